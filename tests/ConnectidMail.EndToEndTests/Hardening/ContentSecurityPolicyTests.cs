using System.Text.RegularExpressions;
using ConnectidMail.Staff;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests.Hardening;

/// <summary>
/// The portal works in Chromium under its strict Content-Security-Policy: staff sign-in and pages, composing and
/// sending (the compose script), and the recipient's way to an interactive message page, with no violation reported.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ContentSecurityPolicyTests(BrowserFixture browser, RecipientPortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<RecipientPortalFixture>
{
    /// <summary>
    /// Runs in every document before its own scripts (CSP does not apply to it) and hands each violation to the test,
    /// across full and enhanced navigations.
    /// </summary>
    private const string ViolationReporter = """
        document.addEventListener('securitypolicyviolation', e =>
            window.reportCspViolation(location.pathname + ': ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));
        """;

    private readonly List<string> violations = [];

    private IPage Page => Session.Page;

    [Fact]
    public async Task Staff_pages_compose_and_the_recipient_flow_work_with_no_policy_violation()
    {
        await ReportViolationsAsync(Page.Context);
        var staff = await Portal.CreateUserAsync(StaffRoles.Admin, StaffRoles.Sender, StaffRoles.Auditor);
        await Session.SignInAsync(staff);
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        string[] staffPages = ["/", "/sent", "/admin/users", "/admin/api-keys", "/Account/Manage", "/Account/Manage/Passkeys", "/Account/Manage/ChangePassword"];
        foreach (var path in staffPages)
        {
            await Session.GotoAsync(path);
            await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
            await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        }

        // Compose: the page's script streams the form to the portal and moves on to the message.
        var recipient = $"csp-{Guid.NewGuid():N}@example.com";
        var subject = $"Policy check {Guid.NewGuid():N}"[..24];
        await Session.GotoAsync("/compose");
        await Page.GetByLabel("To", new() { Exact = true }).FillAsync(recipient);
        await Page.GetByLabel("Subject", new() { Exact = true }).FillAsync(subject);
        await Page.GetByLabel("Message", new() { Exact = true }).FillAsync("Hello, **bold** text.");
        await Page.GetByLabel("Attach files", new() { Exact = true })
            .SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "notes"u8.ToArray() });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Page.WaitForURLAsync(new Regex("/messages/[0-9a-f-]{36}$"), new() { WaitUntil = WaitUntilState.Commit });
        var messageId = Guid.Parse(Session.CurrentPath["/messages/".Length..]);
        await Expect(Session.PageHeading(subject)).ToBeVisibleAsync();
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Session.LogOutButton.ClickAsync();
        await Session.WaitForPathAsync(BrowserSession.LoginPath);
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        // The recipient, in a browser of their own: link, code, consent, the message page live over its circuit.
        await using var reader = await BrowserSession.OpenAsync(Browser, Portal);
        await ReportViolationsAsync(reader.Page.Context);
        var mail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20));
        await reader.GotoAsync(LinkPattern().Match(mail.TextBody ?? "").Value);
        await reader.WaitForPathAsync("/verify");
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true }).ClickAsync();
        var codeMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20));
        await reader.Page.GetByLabel("One-time code", new() { Exact = true }).FillAsync(CodePattern().Match(codeMail.TextBody!).Value.Trim());
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await reader.WaitForPathAsync("/consent");
        await reader.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await reader.Page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^I agree") }).CheckAsync();
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Continue", Exact = true }).ClickAsync();
        await reader.WaitForPathAsync($"/m/{messageId}");
        await Expect(reader.PageHeading(subject)).ToBeVisibleAsync();
        await Expect(reader.Page.Locator(".body-text strong")).ToHaveTextAsync("bold");
        // The circuit connected: the page rendered interactively, so the websocket and blazor.web.js were allowed.
        await Expect(reader.Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await reader.Page.GetByRole(AriaRole.Link, new() { Name = "Inbox", Exact = true }).ClickAsync();
        await reader.WaitForPathAsync("/inbox");
        await Expect(reader.Page.GetByRole(AriaRole.Link, new() { Name = subject, Exact = true })).ToBeVisibleAsync();
        await reader.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        lock (violations)
        {
            Assert.True(violations.Count == 0, "Content-Security-Policy violations:\n" + string.Join("\n", violations));
        }

        var errors = Session.BrowserErrors.Concat(reader.BrowserErrors).ToList();
        Assert.True(errors.Count == 0, "The browser reported errors:\n" + string.Join("\n", errors));
    }

    [Fact]
    public async Task An_inline_script_is_refused_by_the_policy()
    {
        // The negative case: the policy really blocks inline script, and the reporter sees it.
        await ReportViolationsAsync(Page.Context);
        await Session.GotoAsync(BrowserSession.LoginPath);
        await Page.EvaluateAsync("""
            () => { const s = document.createElement('script'); s.textContent = 'window.__ran = true;'; document.body.appendChild(s); }
            """);
        Assert.False(await Page.EvaluateAsync<bool>("() => window.__ran === true"));
        // The report arrives asynchronously.
        for (var waited = 0; waited < 50 && !HasViolation("script-src"); waited++)
        {
            await Task.Delay(100);
        }

        Assert.True(HasViolation("script-src"), "No script-src violation was reported for an inline script.");
    }

    private bool HasViolation(string directive)
    {
        lock (violations)
        {
            return violations.Any(v => v.Contains(directive, StringComparison.Ordinal));
        }
    }

    private async Task ReportViolationsAsync(IBrowserContext context)
    {
        await context.ExposeFunctionAsync("reportCspViolation", (string violation) =>
        {
            lock (violations)
            {
                violations.Add(violation);
            }
        });
        await context.AddInitScriptAsync(ViolationReporter);
    }

    private static bool IsTo(MimeMessage mail, string address) => mail.To.Mailboxes.Any(a => a.Address == address);

    [GeneratedRegex(@"http://localhost:\d+/r/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^[ \t]*\d{8}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex CodePattern();
}
