using System.Net;
using System.Text.RegularExpressions;
using ConnectidMail.Testing;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ConnectidMail.IntegrationTests;

/// <summary>A staff member's browser without the browser: cookies, antiforgery token and the login form over HTTP.</summary>
internal sealed partial class StaffSession(WebApplicationFactory<Program> portal, CookieContainer? cookies = null) : IDisposable
{
    private static readonly Uri BaseAddress = new("https://localhost");
    private readonly CookieJar jar = new(cookies ?? new CookieContainer());

    /// <summary>Follows no redirects, so tests see where the portal sends the browser.</summary>
    public HttpClient Client => client ??= portal.CreateDefaultClient(BaseAddress, jar);

    /// <summary>The cookie jar, to carry a browser's cookies to another server instance.</summary>
    public CookieContainer Cookies => jar.Cookies;

    private HttpClient? client;

    /// <summary>Posts the login form as a browser would; returns the redirect target, or null when the page re-rendered.</summary>
    public Task<(HttpStatusCode Status, string? Location, string Body)> LogInAsync(string email, string password, string? returnUrl = null) =>
        SubmitFormAsync(
            returnUrl is null ? "/Account/Login" : $"/Account/Login?returnUrl={Uri.EscapeDataString(returnUrl)}",
            "login",
            new() { ["Input.Email"] = email, ["Input.Password"] = password });

    /// <summary>
    /// Signs in a user who must use two factors (admins by default): gives them an authenticator app through the
    /// portal's Identity services, then password and app code as a browser would. Returns where the portal sends them.
    /// </summary>
    public async Task<string?> LogInWithAuthenticatorAsync(string email, string password)
    {
        var app = await TotpAuthenticator.EnableForAsync(portal.Services, email);
        var (_, location, _) = await LogInAsync(email, password);
        Assert.Equal("/Account/LoginWith2fa?returnUrl=%2F", location);
        var (_, signedIn, _) = await SubmitFormAsync(location!, "login-with-2fa", new() { ["Input.Code"] = await app.NextCodeAsync() });
        return signedIn;
    }

    /// <summary>Opens a page, then posts one of its forms (by form name) with the page's antiforgery token, as a browser would.</summary>
    public async Task<(HttpStatusCode Status, string? Location, string Body)> SubmitFormAsync(string path, string formName, Dictionary<string, string> fields)
    {
        using var response = await PostFormAsync(path, formName, fields);
        return (response.StatusCode, LocalPart(response.Headers.Location), await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Posts a form of a static server-rendered page as a browser would: the antiforgery token from a page the
    /// session may open (the form's own page unless told otherwise), the form's name as the handler.
    /// </summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, string formName, IDictionary<string, string>? fields = null, string? tokenFrom = null)
    {
        var token = AntiforgeryToken(await Client.GetStringAsync(tokenFrom ?? path));
        Assert.False(string.IsNullOrEmpty(token), $"The page {tokenFrom ?? path} carries no antiforgery token.");
        var form = new Dictionary<string, string>(fields ?? new Dictionary<string, string>())
        {
            ["_handler"] = formName,
            ["__RequestVerificationToken"] = token,
        };
        return await Client.PostAsync(path, new FormUrlEncodedContent(form));
    }

    /// <summary>The antiforgery token a rendered form carries.</summary>
    public static string AntiforgeryToken(string page) => AntiforgeryField().Match(page).Groups[1].Value;

    /// <summary>Where a GET of the path goes: the redirect target, or the path itself when the page answers.</summary>
    public async Task<string?> LandingOfAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => path,
            HttpStatusCode.Redirect or HttpStatusCode.Found => LocalPart(response.Headers.Location),
            _ => $"HTTP {(int)response.StatusCode}",
        };
    }

    public void Dispose() => client?.Dispose();

    /// <summary>A redirect within the portal as a path; one that leaves it stays absolute so tests can see it.</summary>
    private static string? LocalPart(Uri? location) =>
        location is null ? null
        : !location.IsAbsoluteUri ? location.OriginalString
        : location.Host == BaseAddress.Host ? location.PathAndQuery
        : location.ToString();

    private sealed class CookieJar(CookieContainer cookies) : DelegatingHandler
    {
        public CookieContainer Cookies { get; } = cookies;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var header = Cookies.GetCookieHeader(request.RequestUri!);
            if (header.Length > 0)
            {
                request.Headers.Add("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var setCookie in setCookies)
                {
                    Cookies.SetCookies(request.RequestUri!, setCookie);
                }
            }

            return response;
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
