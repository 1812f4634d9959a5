using System.Net;
using System.Text.RegularExpressions;
using ConnectidMail.Testing;

namespace ConnectidMail.IntegrationTests;

/// <summary>A staff member's browser without the browser: cookies, antiforgery token and the login form over HTTP.</summary>
internal sealed partial class StaffSession(PortalFactory portal, CookieContainer? cookies = null) : IDisposable
{
    private static readonly Uri BaseAddress = new("https://localhost");
    private readonly CookieJar jar = new(cookies ?? new CookieContainer());

    /// <summary>Follows no redirects, so tests see where the portal sends the browser.</summary>
    public HttpClient Client => client ??= portal.CreateDefaultClient(BaseAddress, jar);

    /// <summary>The cookie jar, to carry a browser's cookies to another server instance.</summary>
    public CookieContainer Cookies => jar.Cookies;

    private HttpClient? client;

    /// <summary>Posts the login form as a browser would; returns the redirect target, or null when the page re-rendered.</summary>
    public async Task<(HttpStatusCode Status, string? Location, string Body)> LogInAsync(string email, string password, string? returnUrl = null)
    {
        var loginPath = returnUrl is null ? "/Account/Login" : $"/Account/Login?returnUrl={Uri.EscapeDataString(returnUrl)}";
        var form = await Client.GetStringAsync(loginPath);
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), "The login form carries no antiforgery token.");

        using var response = await Client.PostAsync(loginPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
        return (response.StatusCode, LocalPart(response.Headers.Location), await response.Content.ReadAsStringAsync());
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
