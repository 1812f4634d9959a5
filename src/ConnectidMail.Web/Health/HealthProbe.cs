namespace ConnectidMail.Web.Health;

/// <summary>
/// <c>ConnectidMail.Web health-probe [url]</c>: asks a running portal's <c>/health/live</c> and exits 0 when it
/// answers 200. The container's HEALTHCHECK uses it because the runtime image has no curl.
/// </summary>
internal static class HealthProbe
{
    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] == "health-probe";

    public static async Task<int> RunAsync(string[] args, ConsoleStreams console)
    {
        var url = args.Length > 1 ? args[1] : DefaultUrl();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
        {
            console.Error.WriteLine($"error: '{url}' is not an http(s) address.");
            return 2;
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(target);
            console.Out.WriteLine($"{target}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            console.Error.WriteLine($"error: {target} did not answer ({e.GetType().Name}).");
            return 1;
        }
    }

    /// <summary>The first port Kestrel listens on in the official images (ASPNETCORE_HTTP_PORTS, 8080 by default).</summary>
    private static string DefaultUrl()
    {
        var ports = Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS");
        var port = string.IsNullOrWhiteSpace(ports) ? "8080" : ports.Split([',', ';'])[0].Trim();
        return $"http://localhost:{port}/health/live";
    }
}
