using System.Text.RegularExpressions;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests.Hardening;

/// <summary>A portal whose organisation name and consent text (settings) carry script payloads, with mail to a real SMTP server.</summary>
public sealed class InjectionPortalFixture : PortalFixture
{
    public const string OrganisationName = "Org<img src=x onerror=\"window.__xss='org';alert('org')\">";

    public const string ConsentText = "I agree <img src=x onerror=\"window.__xss='consent';alert('consent')\"><script>window.__xss='consent-script'</script> to {organisation}";

    public InjectionPortalFixture()
        : this(SmtpSink.OnFreePort())
    {
    }

    private InjectionPortalFixture(SmtpSink sink)
        : base(new Dictionary<string, string?>(sink.PortalSettings())
        {
            ["Portal:OrganisationName"] = OrganisationName,
            ["Consent:Texts:en"] = ConsentText,
        })
    {
        Mail = sink;
    }

    public SmtpSink Mail { get; }

    public override async Task InitializeAsync()
    {
        await Mail.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Mail.DisposeAsync();
    }
}

/// <summary>
/// Script payloads in a subject, a body, a file name, a recipient address, a reply, the consent text and the
/// organisation name are shown as text in Chromium on the recipient's pages, the sender's pages and the admin pages: no
/// dialog opens, no payload sets its window marker, and no Content-Security-Policy violation is reported (so they were
/// never markup the policy had to stop).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class InjectionTests(BrowserFixture browser, InjectionPortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<InjectionPortalFixture>
{
    private const string ViolationReporter = """
        document.addEventListener('securitypolicyviolation', e =>
            window.reportCspViolation(location.pathname + ': ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));
        """;

    private readonly List<string> incidents = [];

    [Fact]
    public async Task Script_payloads_everywhere_stay_text_on_every_page()
    {
        var subject = Payload("subject");
        var body = $"""
            {Payload("body")}

            [click me](javascript:alert('md-link'))

            <a href="javascript:alert('html-link')">html link</a>

            ![image](javascript:alert('md-image'))

            <iframe src="javascript:alert('iframe')"></iframe>
            """;
        // Without double quotes, which the browser itself escapes in an upload's file name.
        var fileName = "<img src=x onerror=alert('file')><svg onload=alert('file2')>.txt";
        var oddRecipient = "\"<svg/onload=alert('to')>\"@example.org";
        var recipient = $"inject-{Guid.NewGuid():N}@example.org";
        var reply = Payload("reply");

        // The sender (also admin and auditor) composes in the browser.
        await WatchAsync(Session);
        var staff = await Portal.CreateUserAsync(StaffRoles.Admin, StaffRoles.Sender, StaffRoles.Auditor);
        await Session.SignInAsync(staff);
        await Session.GotoAsync("/compose");
        await Session.Page.GetByLabel("To", new() { Exact = true }).FillAsync($"{recipient}\n{oddRecipient}");
        await Session.Page.GetByLabel("Subject", new() { Exact = true }).FillAsync(subject);
        await Session.Page.GetByLabel("Message", new() { Exact = true }).FillAsync(body);
        await Session.Page.GetByLabel("Attach files", new() { Exact = true })
            .SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = "text/plain", Buffer = "inert"u8.ToArray() });
        await Session.Page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Session.Page.WaitForURLAsync(new Regex("/messages/[0-9a-f-]{36}$"), new() { WaitUntil = WaitUntilState.Commit });
        var messageId = Guid.Parse(Session.CurrentPath["/messages/".Length..]);
        await Expect(Session.PageHeading(subject)).ToBeVisibleAsync();
        await AssertInertAsync(Session, "the sender's message page");

        // The recipient: consent text, message (subject, body, file name), reply, inbox.
        await using var reader = await BrowserSession.OpenAsync(Browser, Portal);
        await WatchAsync(reader);
        var link = LinkPattern().Match((await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20))).TextBody ?? "").Value;
        await reader.GotoAsync(link);
        await Expect(reader.Page.Locator("header .brand")).ToHaveTextAsync(InjectionPortalFixture.OrganisationName);
        await AssertInertAsync(reader, "the verification page");
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true }).ClickAsync();
        var codeMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20));
        await reader.Page.GetByLabel("One-time code", new() { Exact = true }).FillAsync(CodePattern().Match(codeMail.TextBody!).Value.Trim());
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await reader.WaitForPathAsync("/consent");
        var consent = reader.Page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^I agree") });
        await Expect(reader.Page.Locator("label[for=agree]")).ToHaveTextAsync(InjectionPortalFixture.ConsentText.Replace("{organisation}", InjectionPortalFixture.OrganisationName, StringComparison.Ordinal));
        await AssertInertAsync(reader, "the consent page");
        await consent.CheckAsync();
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Continue", Exact = true }).ClickAsync();
        await reader.WaitForPathAsync($"/m/{messageId}");
        await Expect(reader.Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await Expect(reader.PageHeading(subject)).ToBeVisibleAsync();
        await Expect(reader.Page.GetByRole(AriaRole.Link, new() { Name = fileName, Exact = true })).ToBeVisibleAsync();
        await Expect(reader.Page.Locator(".body-text")).ToContainTextAsync("<img src=x onerror=");
        // Markdown links with a script scheme are not links.
        Assert.Equal(0, await reader.Page.Locator(".body-text a[href^='javascript' i], .body-text iframe, .body-text img[src^='javascript' i]").CountAsync());
        await reader.Page.GetByLabel("Reply", new() { Exact = true }).FillAsync(reply);
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Send reply", Exact = true }).ClickAsync();
        await Expect(reader.Page.GetByRole(AriaRole.Region, new() { Name = "Conversation", Exact = true }).GetByText(reply)).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await AssertInertAsync(reader, "the recipient's message page");
        await reader.Page.ReloadAsync();
        await Expect(reader.Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await AssertInertAsync(reader, "the recipient's message page, reloaded");
        await reader.GotoAsync("/inbox");
        await Expect(reader.Page.GetByRole(AriaRole.Link, new() { Name = subject, Exact = true })).ToBeVisibleAsync();
        await AssertInertAsync(reader, "the inbox");

        // The sender's and admin's views: message with recipients, file and reply; sent list; dashboard; admin pages.
        await Session.GotoAsync($"/messages/{messageId}");
        await Expect(Session.Page.GetByText(reply)).ToBeVisibleAsync();
        await Expect(Session.Page.GetByText(oddRecipient).First).ToBeVisibleAsync();
        await AssertInertAsync(Session, "the sender's message page with the reply");
        foreach (var path in new[] { "/sent", "/", "/admin/users", "/admin/api-keys", "/Account/Manage" })
        {
            await Session.GotoAsync(path);
            await Session.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await AssertInertAsync(Session, path);
        }

        lock (incidents)
        {
            Assert.True(incidents.Count == 0, "Payloads ran or were blocked:\n" + string.Join("\n", incidents));
        }
    }

    private static string Payload(string where) =>
        $"<script>window.__xss='{where}'</script><img src=x onerror=\"window.__xss='{where}';alert('{where}')\"><svg onload=\"alert('{where}')\">";

    /// <summary>Every dialog and policy violation of the session's pages is recorded (and a dialog dismissed).</summary>
    private async Task WatchAsync(BrowserSession session)
    {
        session.Page.Dialog += async (_, dialog) =>
        {
            Record($"dialog '{dialog.Message}' on {session.Page.Url}");
            await dialog.DismissAsync();
        };
        await session.Page.Context.ExposeFunctionAsync("reportCspViolation", (string violation) => Record("policy violation: " + violation));
        await session.Page.Context.AddInitScriptAsync(ViolationReporter);
    }

    private async Task AssertInertAsync(BrowserSession session, string where)
    {
        var marker = await session.Page.EvaluateAsync<string?>("() => window.__xss ?? null");
        Assert.True(marker is null, $"A payload ran on {where}: window.__xss = '{marker}'.");
        lock (incidents)
        {
            Assert.True(incidents.Count == 0, $"On {where} or before:\n" + string.Join("\n", incidents));
        }
    }

    private void Record(string incident)
    {
        lock (incidents)
        {
            incidents.Add(incident);
        }
    }

    private static bool IsTo(MimeMessage mail, string address) => mail.To.Mailboxes.Any(a => a.Address == address);

    [GeneratedRegex(@"http://localhost:\d+/r/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^[ \t]*\d{8}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex CodePattern();
}
