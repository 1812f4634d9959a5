using System.Text.Json;
using ConnectidMail.ApiKeys;
using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ConnectidMail.IntegrationTests.Admin.AdminTestSupport;

namespace ConnectidMail.IntegrationTests.Admin;

/// <summary>The staff change log: one row per change, in the change's own transaction, never a secret.</summary>
public sealed class StaffChangeLogTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string NewPassword = "a brand new long passphrase";

    private PortalFactory Portal => fixture.Portal;

    [Fact]
    public async Task Every_cli_change_writes_one_row_naming_the_cli_the_action_and_the_subject_and_no_secret()
    {
        var email = Unique("logged");
        var created = await AdminCliRunner.RunAsync(Portal, "create-user", "--email", email, "--role", "Sender", "--role", "Auditor", "--password", Password);
        Assert.True(created.ExitCode == 0, created.Error);
        var key = await Portal.CreateKeyAsync(email, "logged key");
        string[][] commands =
        [
            ["disable-user", "--email", email],
            ["disable-user", "--email", email], // already disabled: no change, no row
            ["enable-user", "--email", email],
            ["reset-password", "--email", email, "--password", NewPassword],
            ["reset-two-factor", "--email", email],
            ["revoke-api-key", "--prefix", key[..10]],
        ];
        foreach (var command in commands)
        {
            var result = await AdminCliRunner.RunAsync(Portal, command);
            Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)}: {result.Error}");
        }

        var user = await Portal.StoredUserAsync(email);
        var keyId = await Portal.WithDbAsync(db => db.ApiKeys.Where(k => k.UserId == user.Id).Select(k => k.Id).SingleAsync());
        var userRows = await Portal.ChangesAboutAsync(user.Id);
        var keyRows = await Portal.ChangesAboutAsync(keyId.ToString());

        Assert.Equal(
            [AuditActions.UserCreated, AuditActions.UserDisabled, AuditActions.UserEnabled,
                AuditActions.UserPasswordReset, AuditActions.UserTwoFactorReset],
            userRows.Select(r => r.Action));
        Assert.Equal([AuditActions.ApiKeyCreated, AuditActions.ApiKeyRevoked], keyRows.Select(r => r.Action));
        Assert.All(userRows.Concat(keyRows), row =>
        {
            Assert.Equal(AuditActorKind.System, row.ActorKind);
            Assert.Null(row.ActorId);
            Assert.StartsWith("admin CLI", row.ActorDisplay, StringComparison.Ordinal);
            Assert.Equal(TimeSpan.Zero, row.At.Offset);
            Assert.InRange(row.At, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        });
        Assert.All(userRows, row => Assert.Equal(email, row.SubjectDisplay()));
        Assert.All(keyRows, row => Assert.Equal($"'logged key' ({key[..10]}) of {email}", row.SubjectDisplay()));
        Assert.Equal(["Auditor", "Sender"], JsonDocument.Parse(userRows[0].Detail!).RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        var everything = string.Join("\n", userRows.Concat(keyRows).Select(r => JsonSerializer.Serialize(r)));
        foreach (var secret in new[] { Password, NewPassword, key, key[10..] })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_refused_change_writes_no_row()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var before = await Portal.CountChangesAsync();

        string[][] refused =
        [
            ["create-user", "--email", email, "--role", "Sender", "--password", Password], // exists already
            ["create-user", "--email", Unique("weak"), "--role", "Sender", "--password", "short"],
            ["reset-password", "--email", email, "--password", "short"],
            ["create-api-key", "--email", email, "--name", "x", "--expires", "2001-01-01"],
            ["revoke-api-key", "--id", Guid.NewGuid().ToString()],
        ];
        foreach (var command in refused)
        {
            Assert.NotEqual(0, (await AdminCliRunner.RunAsync(Portal, command)).ExitCode);
        }

        Assert.Equal(before, await Portal.CountChangesAsync());
    }

    [Fact]
    public async Task A_change_whose_row_cannot_be_written_is_rolled_back_whole()
    {
        // A portal of its own: the trigger that makes every change-log insert fail must not reach other tests.
        using var portal = new PortalFactory();
        var email = Unique("atomic");
        var created = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", "Sender", "--password", Password);
        Assert.True(created.ExitCode == 0, created.Error);
        var before = await portal.StoredUserAsync(email);
        await portal.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(DatabaseLane.Current == DatabaseProvider.Postgres
            ? """
              CREATE FUNCTION refuse_staff_changes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit trail unavailable'; END; $$;
              CREATE TRIGGER refuse_staff_changes BEFORE INSERT ON "AuditEvents" FOR EACH ROW EXECUTE FUNCTION refuse_staff_changes();
              """
            : "CREATE TRIGGER refuse_staff_changes BEFORE INSERT ON AuditEvents BEGIN SELECT RAISE(ABORT, 'audit trail unavailable'); END;"));

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var staff = scope.ServiceProvider.GetRequiredService<StaffAccounts>();
            var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
            await AssertRefusedByTheLogAsync(() => staff.SetDisabledAsync(StaffActor.Cli, before.Id, disabled: true));
            await AssertRefusedByTheLogAsync(() => staff.SetRolesAsync(StaffActor.Cli, before.Id, [StaffRoles.Admin]));
            await AssertRefusedByTheLogAsync(() => staff.ResetPasswordAsync(StaffActor.Cli, before.Id, NewPassword));
            await AssertRefusedByTheLogAsync(() => staff.ResetTwoFactorAsync(StaffActor.Cli, before.Id));
            await AssertRefusedByTheLogAsync(() => keys.CreateAsync(StaffActor.Cli, before.Id, "never stored", null));
            await AssertRefusedByTheLogAsync(() => staff.CreateUserAsync(StaffActor.Cli, Unique("never"), [StaffRoles.Sender], Password));
        }

        var after = await portal.StoredUserAsync(email);
        Assert.Null(after.DisabledAt);
        Assert.Equal((before.PasswordHash, before.SecurityStamp), (after.PasswordHash, after.SecurityStamp));
        Assert.Equal(["Sender"], await portal.WithUsersAsync(async users => await users.GetRolesAsync((await users.FindByIdAsync(before.Id))!)));
        Assert.Equal(0, await portal.WithDbAsync(db => db.ApiKeys.CountAsync()));
        Assert.Equal(1, await portal.WithDbAsync(db => db.Users.CountAsync()));
        Assert.Equal(1, await portal.CountChangesAsync());
    }

    /// <summary>The save fails because of the trigger on the change log, not for some other reason.</summary>
    private static async Task AssertRefusedByTheLogAsync(Func<Task> change)
    {
        var error = await Assert.ThrowsAnyAsync<DbUpdateException>(change);
        Assert.Contains("audit trail unavailable", error.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_log_has_no_way_to_change_a_row()
    {
        // Append-only in the code: outside the core library every property is init-only (the chain fields are set
        // only by the save that appends the event), so no code path can alter a recorded change.
        var settable = typeof(AuditEvent).GetProperties()
            .Where(p => p.SetMethod is { IsPublic: true } set && !set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)))
            .Select(p => p.Name);
        Assert.Empty(settable);
    }
}
