using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>
/// The recipient's way in Chromium, from the notification mail in a real SMTP server: link, code by mail, consent, the
/// message, a file; what the sender then sees; and that an open page stops showing content when consent is withdrawn.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class RecipientPortalTests(BrowserFixture browser, RecipientPortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<RecipientPortalFixture>
{
    private static readonly string[] BlockingImpacts = ["serious", "critical"];

    private IPage Page => Session.Page;

    [Fact]
    public async Task From_the_mail_link_a_recipient_verifies_by_code_consents_reads_and_downloads_and_the_sender_sees_it()
    {
        using var sender = await SenderClientAsync();
        var recipient = $"reader-{Guid.NewGuid():N}@example.com";
        var subject = $"Lab results {Guid.NewGuid():N}"[..24];
        var file = SampleFiles.For("results.pdf", 200_000);
        var messageId = await SendWithFileAsync(sender, recipient, subject, "Dear patient,\n\nyour **results** are attached.", ("results.pdf", file));
        var link = LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20)));
        var token = link[(link.LastIndexOf('/') + 1)..];

        var addresses = new List<string>();
        Page.FrameNavigated += (_, frame) =>
        {
            if (frame.ParentFrame is null)
            {
                lock (addresses)
                {
                    addresses.Add(frame.Url);
                }
            }
        };

        // A phone: everything must fit 360 px without scrolling sideways.
        await Page.SetViewportSizeAsync(360, 740);

        // Opening the link sends nothing and lands on an address without the token.
        await Session.GotoAsync(link);

        await Session.WaitForPathAsync("/verify");
        await Expect(Session.PageHeading("Verify your e-mail address")).ToBeVisibleAsync();
        Assert.DoesNotContain(token, Page.Url, StringComparison.Ordinal);
        Assert.Equal(1, MailsTo(recipient));

        await Page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true }).ClickAsync();
        var codeMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20));
        var code = CodePattern().Match(codeMail.TextBody!).Value.Trim();
        await Expect(Page.GetByText(new Regex(@"sent to r•••@example\.com at \d\d:\d\d"))).ToBeVisibleAsync();

        await AssertFitsAndAccessibleAsync("the verification page");
        await Page.GetByLabel("One-time code", new() { Exact = true }).FillAsync(code);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/consent");
        await AssertFitsAndAccessibleAsync("the consent page");
        await Page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^I agree") }).CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue", Exact = true }).ClickAsync();

        await Session.WaitForPathAsync($"/m/{messageId}");
        await Expect(Session.PageHeading(subject)).ToBeVisibleAsync();
        await Expect(Page.Locator(".body-text strong")).ToHaveTextAsync("results");
        await Expect(Page.GetByText(SenderEmail!)).ToBeVisibleAsync();
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await AssertFitsAndAccessibleAsync("the message page");

        // The file link is a plain link to the download endpoint; the download is the original, byte for byte.
        var fileLink = Page.GetByRole(AriaRole.Link, new() { Name = "results.pdf", Exact = true });
        Assert.Matches("^m/files/[0-9a-f-]{36}$", await fileLink.GetAttributeAsync("href"));
        var download = await Page.RunAndWaitForDownloadAsync(() => fileLink.ClickAsync());
        Assert.Equal("results.pdf", download.SuggestedFilename);
        Assert.Equal(file, await File.ReadAllBytesAsync((await download.PathAsync())!));

        // Decrypted pages and files are never cached; a byte range is served.
        var pageResponse = await Page.APIRequest.GetAsync($"/m/{messageId}");
        Assert.Equal(200, pageResponse.Status);
        Assert.Equal("no-store", pageResponse.Headers["cache-control"]);
        var fileResponse = await Page.APIRequest.GetAsync((await fileLink.GetAttributeAsync("href"))!, new() { Headers = new Dictionary<string, string> { ["Range"] = "bytes=100-199" } });
        Assert.Equal(206, fileResponse.Status);
        Assert.Equal(file[100..200], await fileResponse.BodyAsync());
        Assert.Equal("no-store", fileResponse.Headers["cache-control"]);
        Assert.Equal("nosniff", fileResponse.Headers["x-content-type-options"]);
        Assert.Equal("sandbox", fileResponse.Headers["content-security-policy"]);
        Assert.StartsWith("attachment", fileResponse.Headers["content-disposition"], StringComparison.Ordinal);

        // The sender sees verification, the first open and the opens.
        var seen = RecipientOf(await GetMessageAsync(sender, messageId), recipient);
        Assert.NotEqual(JsonValueKind.Null, seen.GetProperty("verifiedAt").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, seen.GetProperty("firstOpenedAt").ValueKind);
        Assert.InRange(seen.GetProperty("openCount").GetInt32(), 1, 2);

        // The inbox lists it, read now.
        await Page.GetByRole(AriaRole.Link, new() { Name = "Inbox", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/inbox");
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = subject, Exact = true })).ToBeVisibleAsync();

        // No address the browser showed after the link held the token; no log line holds the token or the code.
        lock (addresses)
        {
            Assert.True(addresses.Count >= 3, string.Join("\n", addresses));
            Assert.DoesNotContain(addresses.Skip(1), a => a.Contains(token, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(portal.Logs.Lines, line => line.Contains(token, StringComparison.Ordinal) || line.Contains(code, StringComparison.Ordinal));
        Assert.Contains(portal.Logs.Lines, line => line.Contains("Recipient session", StringComparison.Ordinal));
        Assert.True(Session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    [Fact]
    public async Task After_consent_is_withdrawn_an_open_message_page_stops_showing_content()
    {
        using var sender = await SenderClientAsync();
        var recipient = $"withdraws-{Guid.NewGuid():N}@example.com";
        var body = $"Confidential {Guid.NewGuid():N}";
        var messageId = await SendWithFileAsync(sender, recipient, "Withdraw test", body);
        await VerifyAndConsentAsync(recipient, messageId);
        await Expect(Page.GetByText(body)).ToBeVisibleAsync();
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);

        // A second tab of the same browser withdraws consent, after a confirmation.
        var other = await Page.Context.NewPageAsync();
        await other.GotoAsync("/inbox");
        await other.GetByRole(AriaRole.Link, new() { Name = "Withdraw consent", Exact = true }).ClickAsync();
        await other.GetByRole(AriaRole.Button, new() { Name = "Yes, withdraw consent", Exact = true }).ClickAsync();
        await Expect(other.GetByRole(AriaRole.Heading, new() { Name = "Your consent is withdrawn" })).ToBeVisibleAsync();

        // The first tab, never reloaded, drops the content at once.
        await Expect(Page.GetByText(body)).ToHaveCountAsync(0, new() { Timeout = 5_000 });
        await Expect(Session.PageHeading("Your session has ended")).ToBeVisibleAsync();

        // And the message is not readable any more without verifying again.
        var again = await Page.APIRequest.GetAsync($"/m/{messageId}", new() { MaxRedirects = 0 });
        Assert.Equal(302, again.Status);
        Assert.DoesNotContain(body, await again.TextAsync(), StringComparison.Ordinal);
    }

    private string? SenderEmail { get; set; }

    private async Task AssertFitsAndAccessibleAsync(string what)
    {
        var width = await Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 360, $"{what} is {width} px wide at a 360 px viewport.");
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var result = await Page.RunAxe();
        Assert.NotEmpty(result.Passes);
        var blocking = result.Violations.Where(v => BlockingImpacts.Contains(v.Impact)).ToList();
        Assert.True(
            blocking.Count == 0,
            $"axe found serious violations on {what} ({Page.Url}):\n" + string.Join("\n", blocking.Select(v => $"- [{v.Impact}] {v.Id}: {v.Help}\n    "
                + string.Join("\n    ", v.Nodes.Select(n => n.Html)))));
    }

    /// <summary>Link, code, consent; leaves the browser on the message.</summary>
    private async Task VerifyAndConsentAsync(string recipient, Guid messageId)
    {
        var mails = MailsTo(recipient);
        var link = LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20)));
        await Session.GotoAsync(link);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true }).ClickAsync();
        var codeMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20));
        await Page.GetByLabel("One-time code", new() { Exact = true }).FillAsync(CodePattern().Match(codeMail.TextBody!).Value.Trim());
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/consent");
        await Page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^I agree") }).CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync($"/m/{messageId}");
        Assert.True(MailsTo(recipient) >= mails);
    }

    private async Task<HttpClient> SenderClientAsync()
    {
        var credentials = await Portal.CreateUserAsync(StaffRoles.Sender);
        SenderEmail = credentials.Email;
        var key = await AdminCliRunner.RunAsync(Portal.Portal, "create-api-key", "--email", credentials.Email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        var client = new HttpClient { BaseAddress = Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.OutputLines[^1]);
        return client;
    }

    private static async Task<Guid> SendWithFileAsync(HttpClient client, string to, string subject, string body, params (string Name, byte[] Content)[] files)
    {
        using var form = new MultipartFormDataContent { { JsonContent.Create(new { to = new[] { to }, subject, body }), "message" } };
        foreach (var (name, content) in files)
        {
            form.Add(new ByteArrayContent(content), "files", name);
        }

        using var response = await client.PostAsync("/api/v1/messages", form);
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

    private static string LinkIn(MimeMessage mail) => LinkPattern().Match(mail.TextBody ?? "").Value;

    [GeneratedRegex(@"http://localhost:\d+/r/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkPattern();

    // The code stands alone on its line: addresses in these tests hold GUIDs, which can hold runs of 8 digits.
    [GeneratedRegex(@"^[ \t]*\d{8}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex CodePattern();
}
