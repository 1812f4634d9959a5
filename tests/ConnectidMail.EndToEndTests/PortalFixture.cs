using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.EndToEndTests;

/// <summary>
/// The real portal (Development environment, its own SQLite file) on http://localhost:PORT, one per test class.
/// Its <c>Portal:PublicBaseUrl</c> is that address, so links in its mails lead back to it.
/// </summary>
public class PortalFixture : IAsyncLifetime
{
    private readonly int port = PortalFactory.FreeTcpPort();

    public PortalFixture()
        : this(new Dictionary<string, string?>())
    {
    }

    /// <summary>A portal with extra settings (e.g. an SMTP server's).</summary>
    protected PortalFixture(IDictionary<string, string?> settings, Action<IServiceCollection>? testServices = null)
    {
        var all = new Dictionary<string, string?>(settings);
        all.TryAdd("Portal:PublicBaseUrl", $"http://localhost:{port}");
        Portal = new PortalFactory(all) { TestServices = testServices };
    }

    public PortalFactory Portal { get; }

    public Uri BaseAddress => Portal.ServerAddress ?? throw new InvalidOperationException("The portal is not serving yet.");

    public virtual Task InitializeAsync()
    {
        Portal.StartOnKestrel(port);
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync() => await Portal.DisposeAsync();

    /// <summary>
    /// Creates a staff account with the portal's own <c>admin create-user</c> command and returns its credentials.
    /// Admins must have a second factor (<c>Staff:RequireTwoFactorForRoles</c> by default), so they get an
    /// authenticator app and <see cref="BrowserSession.SignInAsync"/> enters its code.
    /// </summary>
    public async Task<StaffCredentials> CreateUserAsync(params string[] roles)
    {
        var credentials = await CreateUserWithoutTwoFactorAsync(roles);
        return roles.Contains(StaffRoles.Admin)
            ? credentials with { Authenticator = await TotpAuthenticator.EnableForAsync(Portal.Services, credentials.Email) }
            : credentials;
    }

    /// <summary>A new account with a password only, as the CLI leaves it.</summary>
    public async Task<StaffCredentials> CreateUserWithoutTwoFactorAsync(params string[] roles)
    {
        var credentials = new StaffCredentials(StaffCredentials.NewEmail(roles[0]), StaffCredentials.NewPassword());
        string[] command =
        [
            "create-user", "--email", credentials.Email, .. roles.SelectMany(r => new[] { "--role", r }), "--password", credentials.Password,
        ];
        var result = await AdminCliRunner.RunAsync(Portal, command);
        Assert.True(
            result.ExitCode == 0,
            $"admin {string.Join(' ', command[..^1])} *** exited {result.ExitCode}.\nstdout: {result.Output}\nstderr: {result.Error}");
        return credentials;
    }
}

public sealed record StaffCredentials(string Email, string Password, TotpAuthenticator? Authenticator = null)
{
    /// <summary>A unique address, so tests sharing one portal never meet each other's accounts.</summary>
    public static string NewEmail(string role) => $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";

    public static string NewPassword() => $"Correct horse {Guid.NewGuid():N}";
}
