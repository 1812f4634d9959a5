using System.Net;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using static ConnectidMail.IntegrationTests.Admin.AdminTestSupport;

namespace ConnectidMail.IntegrationTests.Admin;

/// <summary>A disabled staff user cannot sign in, loses open sessions, and their API keys stop working until re-enabled.</summary>
public sealed class DisabledUserTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string DisabledMessage = "This account is disabled. Ask an admin to enable it again.";
    private const string FailedMessage = "The email or password is not right.";

    private PortalFactory Portal => fixture.Portal;

    [Fact]
    public async Task A_disabled_user_is_told_so_with_the_right_password_only_and_gets_no_session()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        await DisableAsync(email);
        using var session = new StaffSession(Portal);

        var wrong = await session.LogInAsync(email, Password + "x");
        var right = await session.LogInAsync(email, Password);

        Assert.Contains(FailedMessage, wrong.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("disabled", wrong.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, right.Status);
        Assert.Null(right.Location);
        Assert.Contains(DisabledMessage, right.Body, StringComparison.Ordinal);
        using var dashboard = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
    }

    [Fact]
    public async Task Wrong_passwords_for_a_disabled_user_still_lock_the_account_without_saying_disabled()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        await DisableAsync(email);
        using var session = new StaffSession(Portal);

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            Assert.Contains(FailedMessage, (await session.LogInAsync(email, $"wrong password {attempt}")).Body, StringComparison.Ordinal);
        }

        Assert.Equal("/Account/Lockout", (await session.LogInAsync(email, "wrong password 5")).Location);
        Assert.Equal("/Account/Lockout", (await session.LogInAsync(email, Password)).Location);
    }

    [Fact]
    public async Task Disabling_ends_an_open_session_at_its_next_request()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        using var session = new StaffSession(Portal);
        Assert.Equal("/", (await session.LogInAsync(email, Password)).Location);
        using (var before = await session.Client.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await DisableAsync(email);

        using var after = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/Account/Login", after.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disabled_users_api_keys_get_401_and_work_again_once_the_user_is_enabled()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var key = await Portal.CreateKeyAsync(email);
        Assert.Equal(HttpStatusCode.OK, await Portal.CallMeAsync(key));

        await DisableAsync(email);
        Assert.Equal(HttpStatusCode.Unauthorized, await Portal.CallMeAsync(key));

        var enabled = await AdminCliRunner.RunAsync(Portal, "enable-user", "--email", email);
        Assert.True(enabled.ExitCode == 0, enabled.Error);
        Assert.Equal(HttpStatusCode.OK, await Portal.CallMeAsync(key));
        using var session = new StaffSession(Portal);
        Assert.Equal("/", (await session.LogInAsync(email, Password)).Location);
    }

    [Fact]
    public async Task A_disabled_user_gets_no_new_api_key()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Auditor);
        await DisableAsync(email);

        var result = await AdminCliRunner.RunAsync(Portal, "create-api-key", "--email", email, "--name", "x");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: {email} is disabled; enable the user before giving them a key.", result.Error.Trim());
        Assert.Empty(result.Output);
    }

    private async Task DisableAsync(string email)
    {
        var result = await AdminCliRunner.RunAsync(Portal, "disable-user", "--email", email);
        Assert.True(result.ExitCode == 0, result.Error);
    }
}
