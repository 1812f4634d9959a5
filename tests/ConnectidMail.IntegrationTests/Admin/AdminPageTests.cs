using System.Net;
using System.Text.RegularExpressions;
using ConnectidMail.ApiKeys;
using ConnectidMail.Audit;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ConnectidMail.IntegrationTests.Admin.AdminTestSupport;

namespace ConnectidMail.IntegrationTests.Admin;

/// <summary>The Users and API keys pages over HTTP: static server-rendered forms with antiforgery, Admin role only.</summary>
public sealed partial class AdminPageTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string BrowserName = "AdminPageTests/1.0";

    private PortalFactory Portal => fixture.Portal;

    [Theory]
    [InlineData(StaffRoles.Sender)]
    [InlineData(StaffRoles.Auditor)]
    public async Task Staff_without_the_admin_role_are_refused_every_admin_page(string role)
    {
        var email = await fixture.CreateUserAsync(role);
        var someone = await Portal.StoredUserAsync(email);
        using var session = new StaffSession(Portal);
        await session.LogInAsync(email, Password);

        foreach (var path in new[] { "/admin/users", $"/admin/users/{someone.Id}", "/admin/api-keys" })
        {
            using var response = await session.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/Account/AccessDenied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }

        var dashboard = await session.Client.GetStringAsync("/");
        Assert.DoesNotContain("admin/users", dashboard, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_log_in()
    {
        using var session = new StaffSession(Portal);
        using var response = await session.Client.GetAsync("/admin/api-keys");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_post_from_a_non_admin_changes_nothing()
    {
        var target = await Portal.StoredUserAsync(await fixture.CreateUserAsync(StaffRoles.Sender));
        var sender = await Portal.StoredUserAsync(await fixture.CreateUserAsync(StaffRoles.Sender));
        using var session = new StaffSession(Portal);
        await session.LogInAsync(sender.Email!, Password);

        // A valid antiforgery token of the sender's own session, from the dashboard.
        using var disable = await session.PostFormAsync($"/admin/users/{target.Id}?confirm=disable", "disable", tokenFrom: "/");
        using var promote = await session.PostFormAsync(
            $"/admin/users/{sender.Id}", "roles", new Dictionary<string, string> { ["RoleInput.Sender"] = "true", ["RoleInput.Admin"] = "true" }, tokenFrom: "/");

        foreach (var refused in new[] { disable, promote })
        {
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.StartsWith("/Account/AccessDenied", refused.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }

        Assert.Null((await Portal.StoredUserAsync(target.Email!)).DisabledAt);
        Assert.Equal(["Sender"], await Portal.WithUsersAsync(async users => await users.GetRolesAsync((await users.FindByIdAsync(sender.Id))!)));
        Assert.DoesNotContain(
            (await Portal.ChangesAboutAsync(target.Id)).Concat(await Portal.ChangesAboutAsync(sender.Id)),
            c => c.Action != AuditActions.UserCreated);
    }

    [Fact]
    public async Task An_admin_creates_a_user_and_the_change_names_the_admin_and_their_browser()
    {
        using var session = new StaffSession(Portal);
        var admin = await SignInAdminAsync(session);
        var email = Unique("created");

        using var response = await session.PostFormAsync("/admin/users", "create-user", new Dictionary<string, string>
        {
            ["NewUser.Email"] = email,
            ["NewUser.Password"] = Password,
            ["NewUser.Sender"] = "true",
            ["NewUser.Auditor"] = "true",
        });

        var created = await Portal.StoredUserAsync(email);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/admin/users/{created.Id}?done=created", response.Headers.Location!.PathAndQuery);
        var details = await session.Client.GetStringAsync($"/admin/users/{created.Id}?done=created");
        Assert.Contains($"<h1>{email}</h1>", details, StringComparison.Ordinal);
        Assert.Contains("Created the user.", details, StringComparison.Ordinal);
        Assert.Contains("Auditor, Sender", details, StringComparison.Ordinal);

        var row = Assert.Single(await Portal.ChangesAboutAsync(created.Id));
        Assert.Equal(AuditActions.UserCreated, row.Action);
        Assert.Equal(AuditActorKind.Staff, row.ActorKind);
        Assert.Equal(admin.Id, row.ActorId);
        Assert.Equal(admin.Email, row.ActorDisplay);
        Assert.Equal(BrowserName, row.UserAgent);
        Assert.DoesNotContain(Password, row.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_users_page_lists_roles_status_and_two_factor_and_refuses_bad_input_with_a_message()
    {
        var disabled = await fixture.CreateUserAsync(StaffRoles.Auditor);
        Assert.Equal(0, (await AdminCliRunner.RunAsync(Portal, "disable-user", "--email", disabled)).ExitCode);
        using var session = new StaffSession(Portal);
        await SignInAdminAsync(session);

        var list = await session.Client.GetStringAsync("/admin/users");
        var row = Regex.Match(list, $"<a href=\"admin/users/[^\"]+\">{Regex.Escape(disabled)}</a></td>(.*?)</tr>", RegexOptions.Singleline);
        Assert.True(row.Success, "The disabled user has no row of their own.");
        var cells = Regex.Matches(row.Groups[1].Value, "<td>(.*?)</td>").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal("Auditor", cells[0]);
        Assert.Matches(@"^Disabled since \d{4}-\d\d-\d\d \d\d:\d\d UTC$", cells[1]);
        Assert.Equal(["Off", "0"], cells[2..4]);

        var before = await Portal.CountChangesAsync();
        using var weak = await session.PostFormAsync("/admin/users", "create-user", new Dictionary<string, string>
        {
            ["NewUser.Email"] = Unique("weak"),
            ["NewUser.Password"] = "short",
            ["NewUser.Sender"] = "true",
        });
        using var roleless = await session.PostFormAsync("/admin/users", "create-user", new Dictionary<string, string>
        {
            ["NewUser.Email"] = Unique("roleless"),
            ["NewUser.Password"] = Password,
        });

        Assert.Equal(HttpStatusCode.OK, weak.StatusCode);
        Assert.Contains("Passwords must be at least 12 characters.", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Give at least one role", await roleless.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await Portal.CountChangesAsync());
    }

    [Fact]
    public async Task An_admin_changes_roles_and_disables_and_enables_a_user_after_confirming()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var target = await Portal.StoredUserAsync(email);
        using var session = new StaffSession(Portal);
        await SignInAdminAsync(session);
        var page = $"/admin/users/{target.Id}";

        using var roles = await session.PostFormAsync(page, "roles", new Dictionary<string, string> { ["RoleInput.Auditor"] = "true" });
        Assert.Equal($"{page}?done=roles", roles.Headers.Location!.PathAndQuery);
        Assert.Equal(["Auditor"], await Portal.WithUsersAsync(async users => await users.GetRolesAsync((await users.FindByEmailAsync(email))!)));

        var confirmation = await session.Client.GetStringAsync($"{page}?confirm=disable");
        Assert.Contains($"Disable {email}?", confirmation, StringComparison.Ordinal);
        Assert.Null((await Portal.StoredUserAsync(email)).DisabledAt);

        using var disable = await session.PostFormAsync($"{page}?confirm=disable", "disable");
        Assert.Equal($"{page}?done=disabled", disable.Headers.Location!.PathAndQuery);
        Assert.NotNull((await Portal.StoredUserAsync(email)).DisabledAt);

        using var enable = await session.PostFormAsync($"{page}?confirm=enable", "enable");
        Assert.Equal($"{page}?done=enabled", enable.Headers.Location!.PathAndQuery);
        Assert.Null((await Portal.StoredUserAsync(email)).DisabledAt);

        var rows = await Portal.ChangesAboutAsync(target.Id);
        Assert.Equal(
            [AuditActions.UserCreated, AuditActions.UserRolesChanged, AuditActions.UserDisabled, AuditActions.UserEnabled],
            rows.Select(r => r.Action));
        Assert.Equal($$"""{"from":["Sender"],"subject":"{{email}}","to":["Auditor"]}""", rows[1].Detail);
    }

    [Fact]
    public async Task The_last_enabled_admin_can_be_neither_disabled_nor_demoted_until_another_admin_is_enabled()
    {
        // A portal of its own, so that it holds exactly the admins this test makes.
        using var portal = new PortalFactory();
        var only = await CreateUserAsync(portal, StaffRoles.Admin, StaffRoles.Sender);
        var other = await CreateUserAsync(portal, StaffRoles.Admin);
        Assert.Equal(0, (await AdminCliRunner.RunAsync(portal, "disable-user", "--email", other.Email!)).ExitCode);
        using var session = new StaffSession(portal);
        Assert.Equal("/", await session.LogInWithAuthenticatorAsync(only.Email!, Password));
        var ownPage = $"/admin/users/{only.Id}";

        using var demote = await session.PostFormAsync(ownPage, "roles", new Dictionary<string, string> { ["RoleInput.Sender"] = "true" });
        using var disable = await session.PostFormAsync($"{ownPage}?confirm=disable", "disable");
        var cli = await AdminCliRunner.RunAsync(portal, "disable-user", "--email", only.Email!);

        Assert.Equal(HttpStatusCode.OK, demote.StatusCode);
        Assert.Contains("is the last enabled admin and keeps the Admin role", await demote.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("is the last enabled admin; make another user an admin first.", await disable.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, cli.ExitCode);
        Assert.Equal($"error: {only.Email} is the last enabled admin; make another user an admin first.", cli.Error.Trim());
        Assert.Null((await portal.StoredUserAsync(only.Email!)).DisabledAt);
        Assert.Contains(StaffRoles.Admin, await portal.WithUsersAsync(async users => await users.GetRolesAsync((await users.FindByIdAsync(only.Id))!)));
        Assert.DoesNotContain(await portal.ChangesAboutAsync(only.Id), c => c.Action != AuditActions.UserCreated);

        // With a second enabled admin, the first may step down, and at their next request the pages are closed to them.
        Assert.Equal(0, (await AdminCliRunner.RunAsync(portal, "enable-user", "--email", other.Email!)).ExitCode);
        using var stepDown = await session.PostFormAsync(ownPage, "roles", new Dictionary<string, string> { ["RoleInput.Sender"] = "true" });
        Assert.Equal($"{ownPage}?done=roles", stepDown.Headers.Location!.PathAndQuery);
        using var afterwards = await session.Client.GetAsync(ownPage);
        Assert.StartsWith("/Account/AccessDenied", afterwards.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_an_enabled_admin_may_change_accounts_even_through_the_services()
    {
        var sender = await Portal.StoredUserAsync(await fixture.CreateUserAsync(StaffRoles.Sender));
        var target = await Portal.StoredUserAsync(await fixture.CreateUserAsync(StaffRoles.Sender));
        var notAnAdmin = StaffActor.Staff(sender.Id, sender.Email!, "127.0.0.1", null);
        await using var scope = Portal.Services.CreateAsyncScope();

        var disable = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().SetDisabledAsync(notAnAdmin, target.Id, disabled: true);
        var key = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(notAnAdmin, sender.Id, "self-service", null);

        Assert.Equal("Only an enabled admin may change staff accounts and API keys.", disable.Error);
        Assert.Equal(disable.Error, key.Error);
        Assert.Null((await Portal.StoredUserAsync(target.Email!)).DisabledAt);
    }

    [Fact]
    public async Task An_admin_creates_a_key_that_is_shown_once_and_works()
    {
        var owner = await Portal.StoredUserAsync(await fixture.CreateUserAsync(StaffRoles.Sender));
        using var session = new StaffSession(Portal);
        await SignInAdminAsync(session);

        using var response = await session.PostFormAsync("/admin/api-keys", "create-api-key", new Dictionary<string, string>
        {
            ["NewKey.UserId"] = owner.Id,
            ["NewKey.Name"] = "made on the page",
            ["NewKey.ExpiresOn"] = "2099-12-31",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, "The page that shows a new key may be cached.");
        var key = KeyField().Match(await response.Content.ReadAsStringAsync()).Groups[1].Value;
        Assert.Matches("^cmk_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal(HttpStatusCode.OK, await Portal.CallMeAsync(key));
        var stored = await Portal.WithDbAsync(db => db.ApiKeys.SingleAsync(k => k.UserId == owner.Id));
        Assert.Equal(new DateTimeOffset(2099, 12, 31, 0, 0, 0, TimeSpan.Zero), stored.ExpiresAt);
        Assert.DoesNotContain(key, await session.Client.GetStringAsync("/admin/api-keys"), StringComparison.Ordinal);
        Assert.Equal(AuditActions.ApiKeyCreated, Assert.Single(await Portal.ChangesAboutAsync(stored.Id.ToString())).Action);
    }

    [Fact]
    public async Task An_admin_revokes_a_key_after_confirming_and_it_gets_401()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var key = await Portal.CreateKeyAsync(email, "to revoke");
        var keyId = await Portal.WithDbAsync(db => db.ApiKeys.Where(k => k.User!.Email == email).Select(k => k.Id).SingleAsync());
        using var session = new StaffSession(Portal);
        await SignInAdminAsync(session);

        var list = await session.Client.GetStringAsync("/admin/api-keys");
        Assert.Contains($"<code>{key[..10]}</code>", list, StringComparison.Ordinal);
        var confirmation = await session.Client.GetStringAsync($"/admin/api-keys?revoke={keyId}");
        Assert.Contains("Revoke this key?", confirmation, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await Portal.CallMeAsync(key));

        using var revoke = await session.PostFormAsync($"/admin/api-keys?revoke={keyId}", "revoke");

        Assert.Equal("/admin/api-keys?done=revoked", revoke.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Unauthorized, await Portal.CallMeAsync(key));
        var row = (await Portal.ChangesAboutAsync(keyId.ToString()))[^1];
        Assert.Equal((AuditActions.ApiKeyRevoked, AuditActorKind.Staff), (row.Action, row.ActorKind));
    }

    /// <summary>Signs a new admin in on the session, whose requests then name a browser of their own.</summary>
    private async Task<StaffUser> SignInAdminAsync(StaffSession session)
    {
        var admin = await Portal.StoredUserAsync(await fixture.CreateUserAsync(StaffRoles.Admin));
        session.Client.DefaultRequestHeaders.UserAgent.ParseAdd(BrowserName);
        Assert.Equal("/", await session.LogInWithAuthenticatorAsync(admin.Email!, Password));
        return admin;
    }

    private static async Task<StaffUser> CreateUserAsync(PortalFactory portal, params string[] roles)
    {
        var email = Unique(roles[0].ToLowerInvariant());
        var result = await AdminCliRunner.RunAsync(portal, ["create-user", "--email", email, .. roles.SelectMany(r => new[] { "--role", r }), "--password", Password]);
        Assert.True(result.ExitCode == 0, result.Error);
        return await portal.StoredUserAsync(email);
    }

    [GeneratedRegex("id=\"new-key\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex KeyField();
}
