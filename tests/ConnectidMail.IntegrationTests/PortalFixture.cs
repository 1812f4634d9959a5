using ConnectidMail.Testing;

namespace ConnectidMail.IntegrationTests;

/// <summary>One portal per test class; tests use addresses of their own so they do not disturb each other.</summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public PortalFactory Portal { get; } = new();

    public async Task InitializeAsync()
    {
        // Starting the in-memory server runs the start-up migration.
        using var client = Portal.CreateClient();
        using var response = await client.GetAsync("/health/live");
        response.EnsureSuccessStatusCode();
    }

    public async Task<string> CreateUserAsync(string role, string password = "a sufficiently long password")
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var result = await AdminCliRunner.RunAsync(Portal, "create-user", "--email", email, "--role", role, "--password", password);
        Assert.True(result.ExitCode == 0, result.Error);
        return email;
    }

    public Task DisposeAsync()
    {
        Portal.Dispose();
        return Task.CompletedTask;
    }
}
