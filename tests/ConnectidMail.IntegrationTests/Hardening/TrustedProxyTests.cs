using System.Net;
using ConnectidMail.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>
/// <c>X-Forwarded-For</c> gives the client IP that rate limits count only when the connection comes from a configured
/// proxy; otherwise a caller cannot escape a limit (or forge the audit trail's address) by changing the header.
/// The limit used is the passkey ceremony's per-client limit of 2.
/// </summary>
public sealed class TrustedProxyTests
{
    private const string ProxyAddress = "10.0.0.5";

    [Theory]
    [InlineData("Proxy:KnownProxies", ProxyAddress)]
    [InlineData("Proxy:KnownNetworks", "10.0.0.0/24")]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget_and_the_same_client_is_limited(string key, string value)
    {
        using var portal = Portal(new() { [key] = value });
        using var client = portal.CreateClient(new() { AllowAutoRedirect = false });

        Assert.Equal(HttpStatusCode.BadRequest, await CeremonyAsync(client, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.BadRequest, await CeremonyAsync(client, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CeremonyAsync(client, "203.0.113.1"));

        Assert.Equal(HttpStatusCode.BadRequest, await CeremonyAsync(client, "203.0.113.2"));
        Assert.Equal(HttpStatusCode.BadRequest, await CeremonyAsync(client, "203.0.113.2"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CeremonyAsync(client, "203.0.113.2"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("10.0.0.9")]
    public async Task Without_a_trusted_proxy_a_changed_forwarded_address_does_not_escape_the_limit(string? knownProxy)
    {
        using var portal = Portal(new() { ["Proxy:KnownProxies"] = knownProxy });
        using var client = portal.CreateClient(new() { AllowAutoRedirect = false });

        Assert.Equal(HttpStatusCode.BadRequest, await CeremonyAsync(client, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.BadRequest, await CeremonyAsync(client, "203.0.113.2"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CeremonyAsync(client, "203.0.113.3"));
    }

    [Theory]
    [InlineData("--Proxy:KnownProxies=10.0.0.256", "Proxy:KnownProxies: '10.0.0.256' is not an IP address.")]
    [InlineData("--Proxy:KnownNetworks=10.0.0.0/33", "Proxy:KnownNetworks: '10.0.0.0/33' is not a network in CIDR notation (e.g. 10.0.0.0/8).")]
    [InlineData("--Proxy:ForwardLimit=0", "Proxy:ForwardLimit must be between 1 and 10.")]
    public async Task A_bad_proxy_setting_stops_the_start(string setting, string message)
    {
        using var folder = new TempFolder();
        var error = new StringWriter();
        var exitCode = await Program.RunAsync(
            ["--environment=Development", $"--Storage:DataPath={folder.Combine("data")}", $"--Keys:MasterKeyFile={folder.Combine("keys", "master.key")}", setting],
            new ConnectidMail.Web.ConsoleStreams(new StringReader(""), new StringWriter(), error, InputIsTerminal: false));
        Assert.Equal(1, exitCode);
        Assert.Equal($"ConnectidMail cannot start: {message}", error.ToString().Trim());
    }

    /// <summary>The portal with a passkey limit of 2 per client, reached over a connection from <see cref="ProxyAddress"/>.</summary>
    private static PortalFactory Portal(Dictionary<string, string?> settings) => new(new Dictionary<string, string?>(settings)
    {
        ["RateLimits:Passkeys:PerClient"] = "2",
        ["RateLimits:Passkeys:WindowSeconds"] = "3600",
    })
    {
        TestServices = services => services.AddSingleton<IStartupFilter, ConnectionFromProxy>(),
    };

    private static async Task<HttpStatusCode> CeremonyAsync(HttpClient client, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/Account/PasskeyRequestOptions") { Content = new FormUrlEncodedContent([]) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>The in-memory server has no real connection: every request arrives from the proxy's address.</summary>
    private sealed class ConnectionFromProxy : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(ProxyAddress);
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
