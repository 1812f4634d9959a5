using ConnectidMail.Testing;
using ConnectidMail.Web;

namespace ConnectidMail.IntegrationTests;

/// <summary>The container's HEALTHCHECK command against a portal served by Kestrel.</summary>
public sealed class HealthProbeTests
{
    [Fact]
    public async Task The_probe_succeeds_against_a_live_portal_and_fails_where_nothing_listens()
    {
        using var portal = new PortalFactory().StartOnKestrel();

        var live = await ProbeAsync(new Uri(portal.ServerAddress!, "/health/live").ToString());
        var nothing = await ProbeAsync($"http://localhost:{PortalFactory.FreeTcpPort()}/health/live");
        var notFound = await ProbeAsync(new Uri(portal.ServerAddress!, "/health/nowhere").ToString());

        Assert.Equal(0, live);
        Assert.Equal(1, nothing);
        Assert.Equal(1, notFound);
    }

    [Fact]
    public async Task The_probe_refuses_an_address_that_is_not_http()
    {
        Assert.Equal(2, await ProbeAsync("file:///etc/passwd"));
    }

    private static Task<int> ProbeAsync(string url) =>
        Program.RunAsync(["health-probe", url], new ConsoleStreams(new StringReader(""), new StringWriter(), new StringWriter(), InputIsTerminal: false));
}
