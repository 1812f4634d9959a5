using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>
/// Recipient passkeys in Chromium with a virtual authenticator and the real SMTP sink: added after a mail code, then used
/// instead of one; and what "Require a passkey" lets a passkey open.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class RecipientPasskeyTests(BrowserFixture browser, RecipientPortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<RecipientPortalFixture>
{
    private const string AccessCode = "4711-blue";

    private IPage Page => Session.Page;

    [Fact]
    public async Task A_recipient_adds_a_passkey_after_the_mail_code_and_next_time_reads_with_it_without_any_mail()
    {
        var authenticator = await Session.AddVirtualAuthenticatorAsync();
        using var sender = await SenderClientAsync();
        var recipient = $"keyholder-{Guid.NewGuid():N}@example.com";
        var subject = $"Passkey read {Guid.NewGuid():N}"[..24];
        var messageId = await SendAsync(sender, new { to = new[] { recipient }, subject, body = "Read with a passkey." });
        var link = LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20)));

        await VerifyByCodeAsync(link, recipient, consent: true);
        await Session.WaitForPathAsync($"/m/{messageId}");
        await Expect(Session.PageHeading(subject)).ToBeVisibleAsync();
        await AddPasskeyAsync();
        var stored = Assert.Single(await authenticator.CredentialsAsync());
        Assert.True(stored.GetProperty("isResidentCredential").GetBoolean(), "The passkey is not discoverable.");
        var signCount = stored.GetProperty("signCount").GetInt32();

        await SignOutAsync();
        var mailsBefore = MailsTo(recipient);

        await Session.GotoAsync(link);
        await Session.WaitForPathAsync("/verify");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync($"/m/{messageId}");
        await Expect(Session.PageHeading(subject)).ToBeVisibleAsync();
        await Expect(Page.GetByText("Read with a passkey.")).ToBeVisibleAsync();
        Assert.True((await authenticator.CredentialsAsync())[0].GetProperty("signCount").GetInt32() > signCount, "The verification did not use the passkey.");

        // No code mail: the outbox hands mails over within a second here, so one would have arrived.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(mailsBefore, MailsTo(recipient));
        Assert.Equal("passkey", RecipientOf(await GetMessageAsync(sender, messageId), recipient).GetProperty("verifiedBy").GetString());
        Assert.Contains(portal.Logs.Lines, l => l.Contains("Recipient session", StringComparison.Ordinal) && l.Contains("(passkey)", StringComparison.Ordinal));

        // "Your passkeys" lists it and renames it.
        await Page.GetByRole(AriaRole.Link, new() { Name = "Your passkeys", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/recipient/passkeys");
        await Page.GetByLabel("Name", new() { Exact = true }).FillAsync("My phone");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Rename", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "My phone", Exact = true })).ToBeVisibleAsync();

        // Removed (the passkey verification was minutes ago at most), it is no longer offered on the way in.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Remove My phone", Exact = true }).ClickAsync();
        await Expect(Page.Locator("#passkeys-notice")).ToContainTextAsync("Passkey removed");
        await Expect(Page.GetByText("You have no passkeys yet.")).ToBeVisibleAsync();
        await SignOutAsync();
        await Session.GotoAsync(link);
        await Session.WaitForPathAsync("/verify");
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey", Exact = true })).ToHaveCountAsync(0);
        Assert.True(Session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    [Fact]
    public async Task Require_a_passkey_with_an_access_code_opens_only_for_a_passkey_added_after_the_mail_code_and_the_access_code()
    {
        await Session.AddVirtualAuthenticatorAsync();
        using var sender = await SenderClientAsync();
        var (codeOnly, codeAndAccess) = ($"codeonly-{Guid.NewGuid():N}@example.com", $"withaccess-{Guid.NewGuid():N}@example.com");
        var subject = $"Passkey only {Guid.NewGuid():N}"[..24];
        var messageId = await SendAsync(sender, new { to = new[] { codeOnly, codeAndAccess }, subject, body = "Strictly protected.", requirePasskey = true, accessCode = AccessCode });

        // The first recipient adds a passkey after the mail code alone.
        await VerifyByCodeAsync(LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, codeOnly), TimeSpan.FromSeconds(20))), codeOnly, consent: true);
        await Session.WaitForPathAsync($"/m/{messageId}");
        await Expect(Session.PageHeading("Enter the access code")).ToBeVisibleAsync();
        await AddPasskeyAsync();
        await EnterAccessCodeAsync();
        // Code-only verification does not read it.
        await Expect(Session.PageHeading("This message needs a passkey")).ToBeVisibleAsync();
        await UsePasskeyHereAsync();
        await Expect(Session.PageHeading("This message needs a passkey")).ToBeVisibleAsync();
        await Expect(Page.GetByText("Strictly protected.")).ToHaveCountAsync(0);
        await SignOutAsync();

        // The second adds one after the mail code and the access code.
        await VerifyByCodeAsync(LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, codeAndAccess), TimeSpan.FromSeconds(20))), codeAndAccess, consent: true);
        await Session.WaitForPathAsync($"/m/{messageId}");
        await EnterAccessCodeAsync();
        await Expect(Session.PageHeading("This message needs a passkey")).ToBeVisibleAsync();
        await AddPasskeyAsync();
        await UsePasskeyHereAsync();
        await Expect(Session.PageHeading(subject)).ToBeVisibleAsync();
        await Expect(Page.GetByText("Strictly protected.")).ToBeVisibleAsync();

        var seen = await GetMessageAsync(sender, messageId);
        Assert.Equal("passkey", RecipientOf(seen, codeAndAccess).GetProperty("verifiedBy").GetString());
        Assert.Equal(JsonValueKind.Null, RecipientOf(seen, codeOnly).GetProperty("firstOpenedAt").ValueKind);
        Assert.True(Session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    /// <summary>From the link: a code by mail, the code typed, and consent where asked.</summary>
    private async Task VerifyByCodeAsync(string link, string recipient, bool consent)
    {
        var codeMails = CodeMailsTo(recipient).Count;
        await Session.GotoAsync(link);
        await Session.WaitForPathAsync("/verify");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true }).ClickAsync();
        await portal.Mail.WaitForMessageAsync(_ => CodeMailsTo(recipient).Count > codeMails, TimeSpan.FromSeconds(20));
        var code = CodePattern().Match(CodeMailsTo(recipient)[^1].TextBody!).Value.Trim();
        await Page.GetByLabel("One-time code", new() { Exact = true }).FillAsync(code);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        if (consent)
        {
            await Session.WaitForPathAsync("/consent");
            await Page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^I agree") }).CheckAsync();
            await Page.GetByRole(AriaRole.Button, new() { Name = "Continue", Exact = true }).ClickAsync();
        }
    }

    private async Task AddPasskeyAsync()
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey", Exact = true }).ClickAsync();
        await Expect(Page.Locator("#passkey-offer-status")).ToHaveTextAsync("Passkey added");
    }

    /// <summary>"Use a passkey" on the message page: a new session for the signed-in address, then the page again.</summary>
    private async Task UsePasskeyHereAsync()
    {
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        // A mark that only this document holds: gone once the page has loaded again.
        await Page.EvaluateAsync("() => { window.beforePasskey = true; }");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey", Exact = true }).ClickAsync();
        await Page.WaitForFunctionAsync("() => window.beforePasskey !== true");
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
    }

    private async Task EnterAccessCodeAsync()
    {
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await Page.GetByLabel("Access code", new() { Exact = true }).FillAsync(AccessCode);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Open the message", Exact = true }).ClickAsync();
    }

    private async Task SignOutAsync()
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/signed-out");
    }

    private async Task<HttpClient> SenderClientAsync()
    {
        var credentials = await Portal.CreateUserAsync(StaffRoles.Sender);
        var key = await AdminCliRunner.RunAsync(Portal.Portal, "create-api-key", "--email", credentials.Email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        var client = new HttpClient { BaseAddress = Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.OutputLines[^1]);
        return client;
    }

    private static async Task<Guid> SendAsync(HttpClient client, object message)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/messages", message);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<JsonElement> GetMessageAsync(HttpClient client, Guid id)
    {
        using var response = await client.GetAsync($"/api/v1/messages/{id}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static JsonElement RecipientOf(JsonElement message, string email) =>
        message.GetProperty("recipients").EnumerateArray().Single(r => r.GetProperty("email").GetString() == email);

    private static bool IsTo(MimeMessage mail, string address) => mail.To.Mailboxes.Any(a => a.Address == address);

    private int MailsTo(string address) => portal.Mail.Messages.Count(m => IsTo(m, address));

    private List<MimeMessage> CodeMailsTo(string address) =>
        [.. portal.Mail.Messages.Where(m => IsTo(m, address) && CodePattern().IsMatch(m.TextBody ?? ""))];

    private static string LinkIn(MimeMessage mail) => LinkPattern().Match(mail.TextBody ?? "").Value;

    [GeneratedRegex(@"http://localhost:\d+/r/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkPattern();

    // The code stands alone on its line: addresses in these tests hold GUIDs, which can hold runs of 8 digits.
    [GeneratedRegex(@"^[ \t]*\d{8}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex CodePattern();
}
