using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.ComponentTests;

/// <summary>
/// One real portal (real SQLite file in a temp folder, migrated at start) whose services the component
/// tests lend to bUnit: pages get the real <see cref="StaffAccounts"/> and sign-in, not mocks.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string Password = "a long staff passphrase";

    public static readonly StaffMember Admin = new("admin@example.com", [StaffRoles.Admin]);
    public static readonly StaffMember Sender = new("sender@example.com", [StaffRoles.Sender]);
    public static readonly StaffMember AuditingSender = new("auditor@example.com", [StaffRoles.Sender, StaffRoles.Auditor]);

    public static IReadOnlyList<StaffMember> Staff { get; } = [Admin, Sender, AuditingSender];

    public PortalFactory Portal { get; } = new();

    /// <summary>A request-like scope of the portal's services; dispose it at the end of the test.</summary>
    public AsyncServiceScope CreateScope() => Portal.Services.CreateAsyncScope();

    public async Task InitializeAsync()
    {
        await using var scope = CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<StaffAccounts>();
        foreach (var member in Staff)
        {
            var result = await accounts.CreateUserAsync(StaffActor.Cli, member.Email, member.Roles, Password);
            Assert.True(result.Succeeded, result.Error);
        }
    }

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}

public sealed record StaffMember(string Email, IReadOnlyList<string> Roles);

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    public const string Name = "Portal";
}
