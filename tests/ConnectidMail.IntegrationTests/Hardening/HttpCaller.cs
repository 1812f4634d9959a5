using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>
/// One caller of the portal served on Kestrel, over real HTTP: a browser's cookie jar (which, like a browser on
/// localhost, sends <c>Secure</c> cookies over http://localhost, where .NET's own container would not), or an API key.
/// Follows no redirects, so tests see where the portal sends the caller.
/// </summary>
internal sealed partial class HttpCaller : IDisposable
{
    private readonly Dictionary<string, string> cookies = new(StringComparer.Ordinal);
    private readonly HttpClient client;

    public HttpCaller(Uri baseAddress, string name, string? apiKey = null)
    {
        Name = name;
        client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = baseAddress };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    public string Name { get; }

    /// <summary>While frozen, answers do not change the jar: each request is then independent of the ones before it.</summary>
    public bool Frozen { get; set; }

    /// <summary>The antiforgery request token of the last page read that carried one (bound to this caller's identity).</summary>
    public string? AntiforgeryToken { get; private set; }

    /// <summary>The values of the cookies the caller holds, to prove they never reach a log.</summary>
    public IReadOnlyCollection<string> CookieValues => cookies.Values;

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await client.SendAsync(request);
        if (!Frozen && response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var setCookie in setCookies)
            {
                Keep(setCookie);
            }
        }

        return response;
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>Reads a page and keeps its antiforgery token; returns the HTML (any status).</summary>
    public async Task<string> ReadPageAsync(string path)
    {
        using var response = await GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        KeepToken(html);
        return html;
    }

    /// <summary>Posts a named form of the page at <paramref name="path"/> as a browser would: the page's token, the form's name as handler.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, string formName, params (string Name, string Value)[] fields)
    {
        await ReadPageAsync(path);
        var values = new List<KeyValuePair<string, string>>
        {
            new("_handler", formName),
            new("__RequestVerificationToken", AntiforgeryToken ?? throw new InvalidOperationException($"{path} has no form for {Name}.")),
        };
        values.AddRange(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(values) });
    }

    /// <summary>Follows redirects within the portal from <paramref name="response"/> (disposing it); returns the path it ends on and the page.</summary>
    public async Task<(string Path, string Html)> FollowAsync(HttpResponseMessage response)
    {
        for (var hops = 0; hops < 10; hops++)
        {
            var location = response.Headers.Location;
            var status = response.StatusCode;
            var html = await response.Content.ReadAsStringAsync();
            KeepToken(html);
            var path = response.RequestMessage!.RequestUri!.PathAndQuery;
            response.Dispose();
            if (status is not (HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther) || location is null)
            {
                return (path, html);
            }

            response = await GetAsync(location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString);
        }

        throw new InvalidOperationException("More than 10 redirects.");
    }

    public void Dispose() => client.Dispose();

    private void KeepToken(string html)
    {
        if (AntiforgeryField().Match(html) is { Success: true } token)
        {
            AntiforgeryToken = WebUtility.HtmlDecode(token.Groups[1].Value);
        }
    }

    private void Keep(string setCookie)
    {
        var pair = setCookie.Split(';', 2)[0];
        var separator = pair.IndexOf('=', StringComparison.Ordinal);
        var name = pair[..separator].Trim();
        var value = pair[(separator + 1)..].Trim();
        var attributes = setCookie.ToLowerInvariant();
        var expired = value.Length == 0
            || attributes.Contains("max-age=0", StringComparison.Ordinal)
            || (ExpiresAttribute().Match(setCookie) is { Success: true } expires
                && DateTimeOffset.TryParse(expires.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
                && at < DateTimeOffset.UtcNow);
        if (expired)
        {
            cookies.Remove(name);
        }
        else
        {
            cookies[name] = value;
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("expires=([^;]+)", RegexOptions.IgnoreCase)]
    private static partial Regex ExpiresAttribute();
}
