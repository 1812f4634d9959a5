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
/// Live read receipts in Chromium: the sender keeps the message's page open while the recipient, in a second browser
/// context, verifies, opens and replies; the sender's page shows each step within seconds, without reloading.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class LiveReceiptsTests(BrowserFixture browser, RecipientPortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<RecipientPortalFixture>
{
    /// <summary>Well within the page's own 5-second polling plus a busy machine's render time; the signal is immediate.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 8_000 };

    private readonly BrowserFixture browsers = browser;

    private IPage Recipient => Session.Page;

    [Fact]
    public async Task The_senders_open_message_page_shows_verified_opened_and_replied_as_they_happen_without_reloading()
    {
        var senderCredentials = await Portal.CreateUserAsync(StaffRoles.Sender);
        using var api = await ApiClientAsync(senderCredentials.Email);
        var recipient = $"live-{Guid.NewGuid():N}@example.com";
        var messageId = await SendAsync(api, recipient);
        var link = LinkPattern().Match((await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20))).TextBody ?? "").Value;

        // The sender opens the message's page and leaves it open; a marker in the window shows whether it was ever reloaded.
        await using var sender = await BrowserSession.OpenAsync(browsers, Portal);
        await sender.SignInAsync(senderCredentials);
        await sender.GotoAsync($"/messages/{messageId}");
        await Expect(sender.Page.Locator("[data-live-receipts=live]")).ToHaveCountAsync(1);
        await sender.Page.EvaluateAsync("() => { window.receiptsMarker = 'never reloaded'; }");
        var row = sender.Page.GetByRole(AriaRole.Row).Filter(new() { Has = sender.Page.GetByRole(AriaRole.Rowheader, new() { Name = recipient, Exact = true }) });
        var status = row.Locator(".status-word");
        await Expect(status).ToHaveTextAsync("Notified", Soon);

        // The recipient verifies with the mailed code: the sender sees it before the recipient has even consented.
        await Session.GotoAsync(link);
        await Recipient.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true }).ClickAsync();
        var codeMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20));
        await Recipient.GetByLabel("One-time code", new() { Exact = true }).FillAsync(CodePattern().Match(codeMail.TextBody!).Value.Trim());
        await Recipient.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/consent");
        await Expect(status).ToHaveTextAsync("Verified, not opened yet", Soon);
        await Expect(row.GetByRole(AriaRole.Cell).Nth(2)).ToContainTextAsync("(by mail code)");

        // Consent, then the message opens: "Opened", one open.
        await Recipient.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^I agree") }).CheckAsync();
        await Recipient.GetByRole(AriaRole.Button, new() { Name = "Continue", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync($"/m/{messageId}");
        await Expect(status).ToHaveTextAsync("Opened", Soon);
        await Expect(row.GetByRole(AriaRole.Cell).Nth(5)).ToHaveTextAsync("1", Soon);

        // A reply: "Replied", and a note that a new reply waits (its text appears only after a reload, never by itself).
        await Expect(Recipient.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        var replyText = $"Thanks, got it {Guid.NewGuid():N}";
        await Recipient.GetByLabel("Reply", new() { Exact = true }).FillAsync(replyText);
        await Recipient.GetByRole(AriaRole.Button, new() { Name = "Send reply", Exact = true }).ClickAsync();
        await Expect(status).ToHaveTextAsync("Replied", new() { Timeout = 20_000 });
        await Expect(sender.Page.Locator("#new-replies")).ToContainTextAsync("A new reply has arrived.", new() { Timeout = 8_000 });

        Assert.Equal("never reloaded", await sender.Page.EvaluateAsync<string>("() => window.receiptsMarker"));
        Assert.Equal($"/messages/{messageId}", sender.CurrentPath);
        Assert.True(sender.BrowserErrors.Count == 0, "The sender's browser reported errors:\n" + string.Join("\n", sender.BrowserErrors));
        Assert.True(Session.BrowserErrors.Count == 0, "The recipient's browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    private async Task<HttpClient> ApiClientAsync(string email)
    {
        var key = await AdminCliRunner.RunAsync(Portal.Portal, "create-api-key", "--email", email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        var client = new HttpClient { BaseAddress = Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.OutputLines[^1]);
        return client;
    }

    private static async Task<Guid> SendAsync(HttpClient client, string to)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/messages", new { to = new[] { to }, subject = "Your results", body = "Please read." });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static bool IsTo(MimeMessage mail, string address) => mail.To.Mailboxes.Any(a => a.Address == address);

    [GeneratedRegex(@"http://localhost:\d+/r/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkPattern();

    // The code stands alone on its line: addresses in these tests hold GUIDs, which can hold runs of 8 digits.
    [GeneratedRegex(@"^[ \t]*\d{8}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex CodePattern();
}
