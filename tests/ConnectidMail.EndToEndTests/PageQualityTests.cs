using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>Accessibility (axe) and a clean browser console on the staff pages.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PageQualityTests(BrowserFixture browser, PortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<PortalFixture>
{
    private static readonly string[] BlockingImpacts = ["serious", "critical"];

    [Fact]
    public async Task Login_page_has_no_serious_accessibility_violations()
    {
        await Session.GotoAsync(BrowserSession.LoginPath);
        await Expect(Session.LogInButton).ToBeVisibleAsync();
        await AssertNoSeriousAxeViolationsAsync("the login page");

        // The same page with its error message showing.
        await Session.SubmitLoginAsync("nobody@example.com", "not the right password");
        await Expect(Session.SignInError).ToBeVisibleAsync();
        await AssertNoSeriousAxeViolationsAsync("the login page showing a sign-in error");
    }

    [Fact]
    public async Task Blazors_error_banner_stays_hidden_while_the_stylesheet_is_still_loading()
    {
        // A slow phone, or a loaded server: the page is parsed before its stylesheet arrives. The banner ("Something went
        // wrong") must not show meanwhile, nor be found as a second alert by assistive technology.
        var stylesheet = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Session.Page.RouteAsync("**/css/app*.css", async route =>
        {
            await stylesheet.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await route.ContinueAsync();
        });
        await Session.Page.GotoAsync(BrowserSession.LoginPath, new() { WaitUntil = WaitUntilState.Commit });
        var banner = Session.Page.Locator("#blazor-error-ui");
        await Expect(banner).ToHaveCountAsync(1);

        Assert.False(await banner.IsVisibleAsync(), "The error banner shows while the stylesheet loads.");
        stylesheet.SetResult();
        await Expect(Session.LogInButton).ToBeVisibleAsync();
        await Expect(banner).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Dashboard_has_no_serious_accessibility_violations()
    {
        // An admin sees the most: every section and the staff table.
        var admin = await Portal.CreateUserAsync(StaffRoles.Admin, StaffRoles.Sender, StaffRoles.Auditor);
        await Session.SignInAsync(admin);
        await Expect(Session.Section("Staff accounts").GetByRole(AriaRole.Table)).ToBeVisibleAsync();

        await AssertNoSeriousAxeViolationsAsync("the dashboard");
    }

    [Fact]
    public async Task Browser_console_shows_no_errors_on_login_two_factor_step_and_dashboard()
    {
        var admin = await Portal.CreateUserAsync(StaffRoles.Admin);

        await Session.GotoAsync(BrowserSession.LoginPath);
        await SettleAsync();
        await Session.SubmitLoginAsync(admin.Email, "not the right password");
        await Expect(Session.SignInError).ToBeVisibleAsync();
        await SettleAsync();
        await Session.SubmitLoginAsync(admin.Email, admin.Password);
        await Session.WaitForPathAsync(BrowserSession.TwoFactorPath);
        await SettleAsync();
        await Session.SubmitAuthenticatorCodeAsync(await admin.Authenticator!.NextCodeAsync());
        await Session.WaitForPathAsync("/");
        await Expect(Session.Section("Staff accounts")).ToBeVisibleAsync();
        await SettleAsync();

        Assert.True(
            Session.BrowserErrors.Count == 0,
            "The browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    [Fact]
    public async Task Two_factor_and_account_pages_have_no_serious_accessibility_violations_or_console_errors()
    {
        var admin = await Portal.CreateUserWithoutTwoFactorAsync(StaffRoles.Admin);
        await Session.GotoAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(admin.Email, admin.Password);
        await Session.WaitForPathAsync("/Account/Manage/EnrolTwoFactor");
        await AssertNoSeriousAxeViolationsAsync("the two-factor enrolment page");

        await Session.GotoAsync("/Account/Manage/Passkeys");
        await Expect(Session.PageHeading("Passkeys")).ToBeVisibleAsync();
        await AssertNoSeriousAxeViolationsAsync("the passkeys page");

        await Session.GotoAsync("/Account/Manage/EnableAuthenticator");
        await AssertNoSeriousAxeViolationsAsync("the authenticator set-up page");
        var app = new TotpAuthenticator(await Session.Page.Locator("#authenticator-key").InnerTextAsync());
        await Session.Page.GetByLabel("Verification code", new() { Exact = true }).FillAsync(await app.NextCodeAsync());
        await Session.Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await Expect(Session.Page.GetByRole(AriaRole.List, new() { Name = "Your recovery codes" })).ToBeVisibleAsync();
        await AssertNoSeriousAxeViolationsAsync("the recovery codes");

        foreach (var (path, heading) in new[] { ("/Account/Manage", "Account"), ("/Account/Manage/ChangePassword", "Change password") })
        {
            await Session.GotoAsync(path);
            await Expect(Session.PageHeading(heading)).ToBeVisibleAsync();
            await AssertNoSeriousAxeViolationsAsync($"the page {path}");
        }

        await Session.LogOutButton.ClickAsync();
        await Session.WaitForPathAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(admin.Email, admin.Password);
        await Session.WaitForPathAsync(BrowserSession.TwoFactorPath);
        await Session.SubmitAuthenticatorCodeAsync(app.WrongCode());
        await Expect(Session.Page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        await AssertNoSeriousAxeViolationsAsync("the two-factor step showing an error");
        await Session.Page.GetByRole(AriaRole.Link, new() { Name = "Log in with a recovery code" }).ClickAsync();
        await Session.WaitForPathAsync("/Account/LoginWithRecoveryCode");
        await AssertNoSeriousAxeViolationsAsync("the recovery code step");

        await SettleAsync();
        Assert.True(Session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    /// <summary>
    /// Lets late errors (failed resources, blocked scripts) arrive: waits for the network to go quiet and
    /// checks that Blazor's script actually ran, which a missing asset or a too-strict CSP would prevent.
    /// </summary>
    private async Task SettleAsync()
    {
        await Session.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var blazorStarted = await Session.Page.EvaluateAsync<bool>("() => typeof window.Blazor === 'object' && window.Blazor !== null");
        Assert.True(blazorStarted, $"blazor.web.js did not run on {Session.Page.Url}. Browser errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    [Fact]
    public async Task The_checks_themselves_catch_a_serious_violation_and_a_console_error()
    {
        // Guards the guards: a page with an unlabelled text box (axe rule "label", critical) and a script error.
        await Session.Page.SetContentAsync(
            "<!DOCTYPE html><html lang=\"en\"><head><title>Harness check</title></head>"
            + "<body><main><h1>Harness check</h1><input type=\"text\"></main></body></html>");
        var blocking = await BlockingAxeViolationsAsync();
        Assert.Contains(blocking, v => v.Id == "label");

        await Session.Page.RunAndWaitForConsoleMessageAsync(
            () => Session.Page.EvaluateAsync("() => console.error('harness console error')"),
            new() { Predicate = m => m.Text == "harness console error" });
        var pageError = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Session.Page.PageError += (_, error) => pageError.TrySetResult(error);
        await Session.Page.EvaluateAsync("() => { setTimeout(() => { throw new Error('harness page error'); }); }");
        await pageError.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(Session.BrowserErrors, e => e.Contains("harness console error", StringComparison.Ordinal));
        Assert.Contains(Session.BrowserErrors, e => e.Contains("harness page error", StringComparison.Ordinal));
    }

    private async Task<List<AxeResultItem>> BlockingAxeViolationsAsync()
    {
        var result = await Session.Page.RunAxe();
        Assert.NotEmpty(result.Passes); // axe really looked at the page
        return [.. result.Violations.Where(v => BlockingImpacts.Contains(v.Impact))];
    }

    private async Task AssertNoSeriousAxeViolationsAsync(string what)
    {
        var blocking = await BlockingAxeViolationsAsync();
        Assert.True(
            blocking.Count == 0,
            $"axe found {blocking.Count} serious or critical violation(s) on {what} ({Session.Page.Url}):\n"
            + string.Join("\n", blocking.Select(v =>
                $"- [{v.Impact}] {v.Id}: {v.Help} ({v.HelpUrl})\n"
                + string.Join("\n", v.Nodes.Select(n => $"    {n.Html}")))));
    }
}
