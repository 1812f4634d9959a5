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
/// A secure conversation in Chromium, with mails through a real SMTP server: a verified recipient replies with two
/// files (the upload shows its progress), the sender reads the reply in the portal and through the API and gets both
/// files back byte for byte, answers, and the recipient reads the answer through the link in the mail.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ReplyTests(BrowserFixture browser, RecipientPortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<RecipientPortalFixture>
{
    private readonly BrowserFixture browsers = browser;

    private IPage Page => Session.Page;

    [Fact]
    public async Task A_recipient_replies_with_two_files_the_sender_reads_and_downloads_them_and_answers_and_the_recipient_sees_the_answer()
    {
        var senderCredentials = await Portal.CreateUserAsync(StaffRoles.Sender);
        using var api = await ApiClientAsync(senderCredentials.Email);
        var recipient = $"replier-{Guid.NewGuid():N}@example.com";
        var messageId = await SendAsync(api, recipient, "Documents, please", "Please send us your signed contract and ID.");
        await VerifyAndConsentAsync(recipient, messageId);

        // The recipient replies with two files; the upload reports its progress.
        var contract = SampleFiles.For("contract.pdf", 6 * 1024 * 1024);
        var id = SampleFiles.For("id-card.png", 150_000);
        var replyText = $"Here are the documents {Guid.NewGuid():N}";
        var statuses = new List<string>();
        await Page.ExposeFunctionAsync("reportUploadStatus", (string text) =>
        {
            lock (statuses)
            {
                statuses.Add(text);
            }
        });
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await Page.EvaluateAsync("""
            () => {
              const status = document.querySelector('[data-reply-status]');
              new MutationObserver(() => window.reportUploadStatus(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
            }
            """);
        await Page.GetByLabel("Reply", new() { Exact = true }).FillAsync(replyText);
        await Page.GetByLabel("Attach files", new() { Exact = true }).SetInputFilesAsync(
        [
            new FilePayload { Name = "contract.pdf", MimeType = "application/pdf", Buffer = contract },
            new FilePayload { Name = "id-card.png", MimeType = "image/png", Buffer = id },
        ]);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Send reply", Exact = true }).ClickAsync();

        var conversation = Page.GetByRole(AriaRole.Region, new() { Name = "Conversation", Exact = true });
        await Expect(conversation.GetByText(replyText)).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(conversation.GetByRole(AriaRole.Link, new() { Name = "contract.pdf", Exact = true })).ToBeVisibleAsync();
        await Expect(conversation.GetByRole(AriaRole.Link, new() { Name = "id-card.png", Exact = true })).ToBeVisibleAsync();
        lock (statuses)
        {
            Assert.Contains(statuses, s => UploadProgress().IsMatch(s));
        }

        // The sender is told by mail, with a link to the message's page only.
        var notice = await portal.Mail.WaitForMessageAsync(m => IsTo(m, senderCredentials.Email), TimeSpan.FromSeconds(20));
        Assert.Contains($"/messages/{messageId}", notice.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(replyText, notice.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("contract.pdf", notice.HtmlBody, StringComparison.Ordinal);

        // Through the API: the reply, the recipient's status, and both files byte for byte.
        var view = await api.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{messageId}");
        var seen = view.GetProperty("recipients")[0];
        Assert.Equal("replied", seen.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, seen.GetProperty("repliedAt").ValueKind);
        var reply = Assert.Single(view.GetProperty("replies").EnumerateArray());
        Assert.Equal(recipient, reply.GetProperty("from").GetString());
        Assert.Equal(replyText, reply.GetProperty("body").GetString());
        var files = reply.GetProperty("attachments").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("id").GetGuid());
        Assert.Equal(contract, await api.GetByteArrayAsync($"/api/v1/attachments/{files["contract.pdf"]}"));
        Assert.Equal(id, await api.GetByteArrayAsync($"/api/v1/attachments/{files["id-card.png"]}"));

        // In the portal: the sender reads the thread and downloads both files.
        await using var sender = await BrowserSession.OpenAsync(browsers, Portal);
        await sender.SignInAsync(senderCredentials);
        await sender.GotoAsync($"/messages/{messageId}");
        var thread = sender.Page.GetByRole(AriaRole.Region, new() { Name = $"Conversation with {recipient}", Exact = true });
        await Expect(thread.GetByText(replyText)).ToBeVisibleAsync();
        foreach (var (name, content) in new[] { ("contract.pdf", contract), ("id-card.png", id) })
        {
            var link = thread.GetByRole(AriaRole.Link, new() { Name = name, Exact = true });
            var download = await sender.Page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
            Assert.Equal(name, download.SuggestedFilename);
            Assert.Equal(content, await File.ReadAllBytesAsync((await download.PathAsync())!));
        }

        // The sender answers in the thread; the recipient gets a mail with a new link that opens the conversation.
        var answerText = $"Thank you, received {Guid.NewGuid():N}";
        var mailsBefore = MailsTo(recipient);
        await thread.GetByLabel($"Reply to {recipient}", new() { Exact = true }).FillAsync(answerText);
        await thread.GetByRole(AriaRole.Button, new() { Name = "Send reply", Exact = true }).ClickAsync();
        await Expect(sender.Page.GetByRole(AriaRole.Region, new() { Name = $"Conversation with {recipient}", Exact = true }).GetByText(answerText))
            .ToBeVisibleAsync(new() { Timeout = 20_000 });

        var answerMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && MailsTo(recipient) > mailsBefore && (m.Subject ?? "").Contains("answer", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(answerText, answerMail.TextBody, StringComparison.Ordinal);
        await Session.GotoAsync(LinkPattern().Match(answerMail.TextBody ?? "").Value);
        await Session.WaitForPathAsync($"/m/{messageId}");
        await Expect(conversation.GetByText(answerText)).ToBeVisibleAsync();
        await Expect(conversation.GetByText(replyText)).ToBeVisibleAsync();
        Assert.True(Session.BrowserErrors.Count == 0, "The recipient's browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
        Assert.True(sender.BrowserErrors.Count == 0, "The sender's browser reported errors:\n" + string.Join("\n", sender.BrowserErrors));
    }

    /// <summary>Link, code, consent; leaves the browser on the message.</summary>
    private async Task VerifyAndConsentAsync(string recipient, Guid messageId)
    {
        var link = LinkPattern().Match((await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20))).TextBody ?? "").Value;
        await Session.GotoAsync(link);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true }).ClickAsync();
        var codeMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20));
        await Page.GetByLabel("One-time code", new() { Exact = true }).FillAsync(CodePattern().Match(codeMail.TextBody!).Value.Trim());
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/consent");
        await Page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^I agree") }).CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync($"/m/{messageId}");
    }

    private async Task<HttpClient> ApiClientAsync(string email)
    {
        var key = await AdminCliRunner.RunAsync(Portal.Portal, "create-api-key", "--email", email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        var client = new HttpClient { BaseAddress = Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.OutputLines[^1]);
        return client;
    }

    private static async Task<Guid> SendAsync(HttpClient client, string to, string subject, string body)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/messages", new { to = new[] { to }, subject, body });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static bool IsTo(MimeMessage mail, string address) => mail.To.Mailboxes.Any(a => a.Address == address);

    private int MailsTo(string address) => portal.Mail.Messages.Count(m => IsTo(m, address));

    [GeneratedRegex(@"http://localhost:\d+/r/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkPattern();

    // The code stands alone on its line: addresses in these tests hold GUIDs, which can hold runs of 8 digits.
    [GeneratedRegex(@"^[ \t]*\d{8}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"^Uploading: \d+% of 6\.1 MiB\.$")]
    private static partial Regex UploadProgress();
}
