using System.Net;
using System.Net.Http.Headers;
using ConnectidMail.Audit;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Deque.AxeCore.Playwright;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>The admin pages in Chromium: users created and disabled, API keys revoked, other roles kept out.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminPagesTests(BrowserFixture browser, PortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<PortalFixture>
{
    private static readonly string[] BlockingImpacts = ["serious", "critical"];

    private IPage Page => Session.Page;

    private ILocator MainNav => Page.GetByRole(AriaRole.Navigation, new() { Name = "Main", Exact = true });

    [Fact]
    public async Task An_admin_creates_a_user_disables_them_and_that_user_cannot_sign_in()
    {
        var admin = await Portal.CreateUserAsync(StaffRoles.Admin);
        var colleague = new StaffCredentials(StaffCredentials.NewEmail("colleague"), StaffCredentials.NewPassword());
        await Session.SignInAsync(admin);

        await MainNav.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/admin/users");
        await Expect(Session.PageHeading("Users")).ToBeVisibleAsync();
        await Page.GetByLabel("Email", new() { Exact = true }).FillAsync(colleague.Email);
        await Page.GetByLabel("Initial password", new() { Exact = true }).FillAsync(colleague.Password);
        await Page.GetByLabel("Sender", new() { Exact = true }).CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create user", Exact = true }).ClickAsync();

        await Expect(Session.PageHeading(colleague.Email)).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Created the user.");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Disable user…", Exact = true }).ClickAsync();
        await Expect(Page.GetByText($"Disable {colleague.Email}?")).ToBeVisibleAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Disable user", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Disabled the user");
        await Expect(Page.GetByText("Disabled since")).ToBeVisibleAsync();

        // The change names the admin and where they were.
        var change = await Portal.Portal.WithDbAsync(db => db.AuditEvents.OrderBy(c => c.Sequence).LastAsync(c => c.Action.StartsWith("user.")));
        Assert.Equal((AuditActions.UserDisabled, colleague.Email, admin.Email), (change.Action, System.Text.Json.JsonDocument.Parse(change.Detail!).RootElement.GetProperty("subject").GetString(), change.ActorDisplay));
        Assert.Contains(change.IpAddress, new[] { "127.0.0.1", "::1", "::ffff:127.0.0.1" });
        Assert.Contains("Chrome", change.UserAgent, StringComparison.Ordinal);

        await Session.LogOutButton.ClickAsync();
        await Session.WaitForPathAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(colleague.Email, colleague.Password);
        await Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("This account is disabled. Ask an admin to enable it again.");
        Assert.Equal(BrowserSession.LoginPath, Session.CurrentPath);
        Assert.False(await Session.HasStaffCookieAsync(), "A disabled user got a staff session cookie.");
    }

    [Fact]
    public async Task An_admin_revokes_an_api_key_and_it_gets_401()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        var keyName = $"pipeline {Guid.NewGuid():N}"[..20];
        var created = await AdminCliRunner.RunAsync(Portal.Portal, "create-api-key", "--email", sender.Email, "--name", keyName);
        Assert.True(created.ExitCode == 0, created.Error);
        var key = created.OutputLines[^1];
        Assert.Equal(HttpStatusCode.OK, await CallApiAsync(key));
        var admin = await Portal.CreateUserAsync(StaffRoles.Admin);
        await Session.SignInAsync(admin);

        await MainNav.GetByRole(AriaRole.Link, new() { Name = "API keys", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/admin/api-keys");
        var row = KeyRow(keyName);
        await Expect(row).ToContainTextAsync(key[..10]);
        await Expect(row).ToContainTextAsync("Active");
        await row.GetByRole(AriaRole.Link, new() { Name = $"Revoke the key {keyName} ({key[..10]}) of {sender.Email}", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Revoke this key?", Exact = true })).ToBeVisibleAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Revoke key", Exact = true }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Revoked the key: it is refused from now on.");
        await Expect(KeyRow(keyName)).ToContainTextAsync("Revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, await CallApiAsync(key));
    }

    [Fact]
    public async Task A_sender_gets_access_denied_on_the_admin_pages_and_no_admin_links()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        await Session.SignInAsync(sender);
        await Expect(MainNav.GetByRole(AriaRole.Link)).ToHaveTextAsync(["Dashboard", "Compose", "Sent", "Account"]);

        foreach (var path in new[] { "/admin/users", "/admin/api-keys" })
        {
            await Session.GotoAsync(path);
            Assert.Equal("/Account/AccessDenied", Session.CurrentPath);
            await Expect(Session.PageHeading("Access denied")).ToBeVisibleAsync();
        }
    }

    [Fact]
    public async Task The_admin_pages_have_no_serious_accessibility_violations_or_console_errors()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        var created = await AdminCliRunner.RunAsync(Portal.Portal, "create-api-key", "--email", sender.Email, "--name", "axe");
        Assert.True(created.ExitCode == 0, created.Error);
        var (userId, keyId) = await Portal.Portal.WithDbAsync(async db =>
        {
            var key = await db.ApiKeys.Include(k => k.User).SingleAsync(k => k.User!.Email == sender.Email);
            return (key.UserId, key.Id);
        });
        await Session.SignInAsync(await Portal.CreateUserAsync(StaffRoles.Admin));

        foreach (var path in new[] { "/admin/users", $"/admin/users/{userId}", $"/admin/users/{userId}?confirm=disable", "/admin/api-keys", $"/admin/api-keys?revoke={keyId}", "/admin/branding" })
        {
            await Session.GotoAsync(path);
            await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            var result = await Page.RunAxe();
            Assert.NotEmpty(result.Passes);
            var blocking = result.Violations.Where(v => BlockingImpacts.Contains(v.Impact)).ToList();
            Assert.True(
                blocking.Count == 0,
                $"axe found serious violations on {path}:\n" + string.Join("\n", blocking.Select(v => $"- [{v.Impact}] {v.Id}: {v.Help}\n    "
                    + string.Join("\n    ", v.Nodes.Select(n => n.Html)))));
        }

        Assert.True(Session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    private ILocator KeyRow(string keyName) =>
        Page.GetByRole(AriaRole.Row).Filter(new() { Has = Page.GetByRole(AriaRole.Cell, new() { Name = keyName, Exact = true }) });

    private async Task<HttpStatusCode> CallApiAsync(string key)
    {
        using var client = new HttpClient { BaseAddress = Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.GetAsync("/api/v1/me");
        return response.StatusCode;
    }
}
