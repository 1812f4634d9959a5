using System.Net;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Admin.AdminTestSupport;

namespace ConnectidMail.IntegrationTests.Admin;

/// <summary>The admin CLI's recovery commands, run in-process against a running portal's database.</summary>
public sealed class RecoveryCommandTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string NewPassword = "another long enough passphrase";

    private PortalFactory Portal => fixture.Portal;

    [Fact]
    public async Task Help_lists_the_recovery_commands()
    {
        var help = await AdminCliRunner.RunAsync(Portal, "help");

        Assert.Equal(0, help.ExitCode);
        foreach (var command in new[] { "reset-password", "disable-user", "enable-user", "revoke-api-key", "reset-two-factor" })
        {
            Assert.Contains(command, help.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Reset_password_sets_the_new_one_and_ends_open_sessions_and_a_lockout()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        using var open = new StaffSession(Portal);
        Assert.Equal("/", (await open.LogInAsync(email, Password)).Location);
        await Portal.WithUsersAsync(async users => await users.SetLockoutEndDateAsync((await users.FindByEmailAsync(email))!, DateTimeOffset.UtcNow.AddHours(1)));

        var result = await AdminCliRunner.RunAsync(Portal, "reset-password", "--email", email, "--password", NewPassword);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal($"Set a new password for {email}; their sessions and any lockout have ended.", result.OutputLines[^1]);
        using (var afterReset = await open.Client.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.Redirect, afterReset.StatusCode);
        }

        using var fresh = new StaffSession(Portal);
        Assert.Null((await fresh.LogInAsync(email, Password)).Location);
        Assert.Equal("/", (await fresh.LogInAsync(email, NewPassword)).Location);
    }

    [Fact]
    public async Task Reset_password_reads_the_new_password_from_standard_input()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Auditor);

        var result = await AdminCliRunner.RunAsync(Portal.SettingArguments, NewPassword + "\n", "reset-password", "--email", email);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(await Portal.WithUsersAsync(async users => await users.CheckPasswordAsync((await users.FindByEmailAsync(email))!, NewPassword)));
    }

    [Fact]
    public async Task Reset_password_refuses_bad_input_and_changes_nothing()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var before = await Portal.StoredUserAsync(email);
        var changesBefore = await Portal.CountChangesAsync();

        (string[] Arguments, string? Input, int ExitCode, string Reason)[] cases =
        [
            (["--email", "nobody@example.com", "--password", NewPassword], null, 1, "no staff user has the address nobody@example.com."),
            (["--password", NewPassword], null, 2, "--email is required."),
            (["--email", email, "--password", "short"], null, 1, "Passwords must be at least 12 characters."),
            (["--email", email], "", 1, "no password given"),
            (["--email", email, "--pasword", NewPassword], null, 2, "unknown option --pasword"),
            (["--email", email, "--password", NewPassword, "--password", NewPassword], null, 2, "--password is given more than once."),
        ];
        foreach (var (arguments, input, exitCode, reason) in cases)
        {
            var result = await AdminCliRunner.RunAsync(Portal.SettingArguments, input, ["reset-password", .. arguments]);
            AssertRefused(result, exitCode, reason);
        }

        var after = await Portal.StoredUserAsync(email);
        Assert.Equal(before.PasswordHash, after.PasswordHash);
        Assert.Equal(before.SecurityStamp, after.SecurityStamp);
        Assert.Equal(changesBefore, await Portal.CountChangesAsync());
    }

    [Fact]
    public async Task Disable_and_enable_user_say_when_nothing_needed_changing()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);

        var disable = await AdminCliRunner.RunAsync(Portal, "disable-user", "--email", email);
        var again = await AdminCliRunner.RunAsync(Portal, "disable-user", "--email", email);
        var disabledAt = (await Portal.StoredUserAsync(email)).DisabledAt;
        var enable = await AdminCliRunner.RunAsync(Portal, "enable-user", "--email", email);
        var enableAgain = await AdminCliRunner.RunAsync(Portal, "enable-user", "--email", email);

        Assert.True(disable.ExitCode == 0, disable.Error);
        Assert.StartsWith($"Disabled {email}:", disable.OutputLines[^1], StringComparison.Ordinal);
        Assert.Equal((0, $"{email} is disabled already; nothing changed."), (again.ExitCode, again.OutputLines[^1]));
        Assert.NotNull(disabledAt);
        Assert.Equal((0, $"Enabled {email}: they can sign in again."), (enable.ExitCode, enable.OutputLines[^1]));
        Assert.Equal((0, $"{email} is enabled already; nothing changed."), (enableAgain.ExitCode, enableAgain.OutputLines[^1]));
        Assert.Null((await Portal.StoredUserAsync(email)).DisabledAt);
    }

    [Fact]
    public async Task Disable_and_enable_user_refuse_bad_input_and_change_nothing()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var before = await Portal.StoredUserAsync(email);
        var changesBefore = await Portal.CountChangesAsync();

        foreach (var command in new[] { "disable-user", "enable-user" })
        {
            AssertRefused(await AdminCliRunner.RunAsync(Portal, command, "--email", "nobody@example.com"), 1, "no staff user has the address");
            AssertRefused(await AdminCliRunner.RunAsync(Portal, command), 2, "--email is required.");
            AssertRefused(await AdminCliRunner.RunAsync(Portal, command, "--email", email, "--name", "x"), 2, "unknown option --name");
        }

        var after = await Portal.StoredUserAsync(email);
        Assert.Equal((before.DisabledAt, before.SecurityStamp), (after.DisabledAt, after.SecurityStamp));
        Assert.Equal(changesBefore, await Portal.CountChangesAsync());
    }

    [Fact]
    public async Task Revoke_api_key_by_prefix_or_by_id_makes_the_key_get_401()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var byPrefix = await Portal.CreateKeyAsync(email, "by prefix");
        var byId = await Portal.CreateKeyAsync(email, "by id");
        var idOfSecond = await Portal.WithDbAsync(db => db.ApiKeys.Where(k => k.Name == "by id" && k.User!.Email == email).Select(k => k.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.OK, await Portal.CallMeAsync(byPrefix));

        var first = await AdminCliRunner.RunAsync(Portal, "revoke-api-key", "--prefix", byPrefix[..10]);
        var second = await AdminCliRunner.RunAsync(Portal, "revoke-api-key", "--id", idOfSecond.ToString());
        var again = await AdminCliRunner.RunAsync(Portal, "revoke-api-key", "--id", idOfSecond.ToString());

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal($"Revoked the API key 'by prefix' ({byPrefix[..10]}) of {email}; it is refused from now on.", first.OutputLines[^1]);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Equal((0, $"The API key 'by id' ({byId[..10]}) was revoked already; nothing changed."), (again.ExitCode, again.OutputLines[^1]));
        Assert.Equal(HttpStatusCode.Unauthorized, await Portal.CallMeAsync(byPrefix));
        Assert.Equal(HttpStatusCode.Unauthorized, await Portal.CallMeAsync(byId));
    }

    [Fact]
    public async Task Revoke_api_key_refuses_bad_input_and_revokes_nothing()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var key = await Portal.CreateKeyAsync(email);
        var changesBefore = await Portal.CountChangesAsync();

        (string[] Arguments, int ExitCode, string Reason)[] cases =
        [
            ([], 2, "give --prefix or --id"),
            (["--prefix", key[..10], "--id", Guid.NewGuid().ToString()], 2, "give --prefix or --id"),
            (["--id", "not-a-guid"], 2, "--id 'not-a-guid' is not a key id"),
            (["--id", Guid.NewGuid().ToString()], 1, "No such API key."),
            // '!' is not in the key alphabet, so no key can have this prefix.
            (["--prefix", "cmk_!!!!!!"], 1, "no API key has the prefix 'cmk_!!!!!!'."),
            (["--email", email], 2, "unknown option --email"),
        ];
        foreach (var (arguments, exitCode, reason) in cases)
        {
            AssertRefused(await AdminCliRunner.RunAsync(Portal, ["revoke-api-key", .. arguments]), exitCode, reason);
        }

        Assert.Equal(HttpStatusCode.OK, await Portal.CallMeAsync(key));
        Assert.Equal(0, await Portal.WithDbAsync(db => db.ApiKeys.CountAsync(k => k.RevokedAt != null && k.User!.Email == email)));
        Assert.Equal(changesBefore, await Portal.CountChangesAsync());
    }

    [Fact]
    public async Task Reset_two_factor_turns_off_the_authenticator_and_removes_recovery_codes_and_passkeys()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Admin);
        var (keyBefore, stampBefore) = await Portal.WithUsersAsync(async users =>
        {
            var user = (await users.FindByEmailAsync(email))!;
            await users.ResetAuthenticatorKeyAsync(user);
            await users.SetTwoFactorEnabledAsync(user, true);
            await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10);
            var added = await users.AddOrUpdatePasskeyAsync(user, new UserPasskeyInfo(
                credentialId: [1, 2, 3, 4, 5, 6, 7, 8],
                publicKey: [9, 9, 9],
                createdAt: DateTimeOffset.UtcNow,
                signCount: 0,
                transports: ["internal"],
                isUserVerified: true,
                isBackupEligible: false,
                isBackedUp: false,
                attestationObject: [1],
                clientDataJson: [1]));
            Assert.True(added.Succeeded);
            return (await users.GetAuthenticatorKeyAsync(user), await users.GetSecurityStampAsync(user));
        });
        using (var withSecondFactor = new StaffSession(Portal))
        {
            // The password alone no longer reaches the dashboard.
            Assert.NotEqual("/", (await withSecondFactor.LogInAsync(email, Password)).Location);
        }

        var result = await AdminCliRunner.RunAsync(Portal, "reset-two-factor", "--email", email);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.StartsWith($"Two-factor sign-in is off for {email}", result.OutputLines[^1], StringComparison.Ordinal);
        await Portal.WithUsersAsync(async users =>
        {
            var user = (await users.FindByEmailAsync(email))!;
            Assert.False(await users.GetTwoFactorEnabledAsync(user));
            Assert.Equal(0, await users.CountRecoveryCodesAsync(user));
            Assert.Empty(await users.GetPasskeysAsync(user));
            Assert.NotEqual(keyBefore, await users.GetAuthenticatorKeyAsync(user));
            Assert.NotEqual(stampBefore, await users.GetSecurityStampAsync(user));
            return true;
        });
        // The password alone now gets in, and, as for every admin without a second factor, straight to enrolment.
        using var session = new StaffSession(Portal);
        Assert.Equal("/Account/Manage/EnrolTwoFactor?returnUrl=%2F", (await session.LogInAsync(email, Password)).Location);
    }

    [Fact]
    public async Task Reset_two_factor_refuses_an_unknown_user_and_missing_arguments()
    {
        var changesBefore = await Portal.CountChangesAsync();

        AssertRefused(await AdminCliRunner.RunAsync(Portal, "reset-two-factor", "--email", "nobody@example.com"), 1, "no staff user has the address");
        AssertRefused(await AdminCliRunner.RunAsync(Portal, "reset-two-factor"), 2, "--email is required.");

        Assert.Equal(changesBefore, await Portal.CountChangesAsync());
    }

    /// <summary>A refusal is one line on standard error, nothing on standard output.</summary>
    private static void AssertRefused(CliResult result, int exitCode, string reason)
    {
        Assert.True(result.ExitCode == exitCode, $"exit {result.ExitCode}, expected {exitCode}: {result.Error}");
        Assert.Empty(result.Output);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
    }
}
