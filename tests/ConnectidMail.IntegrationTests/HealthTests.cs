using System.Net;
using ConnectidMail.Testing;

namespace ConnectidMail.IntegrationTests;

public sealed class HealthTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_200_on_a_migrated_portal(string path)
    {
        using var client = fixture.Portal.CreateClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ready_fails_while_the_database_lacks_migrations_but_live_still_answers()
    {
        using var portal = new PortalFactory(new Dictionary<string, string?> { ["Database:AutoMigrate"] = "false" });
        using var client = portal.CreateClient();

        using var live = await client.GetAsync("/health/live");
        using var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }
}
