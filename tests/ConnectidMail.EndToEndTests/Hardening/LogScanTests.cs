using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ConnectidMail.Audit;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests.Hardening;

/// <summary>
/// A full flow in Chromium with every log line of every level and category captured (<see cref="RecipientPortalFixture"/>):
/// staff sign-in with a password, compose with a file and an access code, the code mail, a wrong code, verification,
/// consent, the access code, opening, downloading, replying, and API key use. Then none of the secrets or the
/// message's content may appear in any line, nor in any field of any stored audit event.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class LogScanTests(BrowserFixture browser, RecipientPortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<RecipientPortalFixture>
{
    [Fact]
    public async Task No_secret_or_content_of_a_full_flow_reaches_any_log_line()
    {
        var marker = Guid.NewGuid().ToString("N");
        var subject = $"Subject{marker[..12]}";
        var body = $"Body text {marker} for the scan";
        var fileName = $"file{marker[..10]}.txt";
        var fileContent = $"File content {Guid.NewGuid():N}";
        var accessCode = $"Access-{Guid.NewGuid():N}"[..20];
        var replyBody = $"Reply {Guid.NewGuid():N}";
        var recipient = $"scan-{Guid.NewGuid():N}@example.org";

        // Staff sign-in with a password, then compose with a file and an access code.
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        var staff = Session;
        await staff.SignInAsync(sender);
        await staff.GotoAsync("/compose");
        await staff.Page.GetByLabel("To", new() { Exact = true }).FillAsync(recipient);
        await staff.Page.GetByLabel("Subject", new() { Exact = true }).FillAsync(subject);
        await staff.Page.GetByLabel("Message", new() { Exact = true }).FillAsync(body);
        await staff.Page.GetByLabel("Access code", new() { Exact = true }).FillAsync(accessCode);
        await staff.Page.GetByLabel("Attach files", new() { Exact = true })
            .SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = "text/plain", Buffer = System.Text.Encoding.UTF8.GetBytes(fileContent) });
        await staff.Page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await staff.Page.WaitForURLAsync(new Regex("/messages/[0-9a-f-]{36}$"), new() { WaitUntil = WaitUntilState.Commit });
        var messageId = Guid.Parse(staff.CurrentPath["/messages/".Length..]);

        // The recipient: link, code mail, a wrong code, the right one, consent, the access code, open, download, reply.
        await using var reader = await BrowserSession.OpenAsync(Browser, Portal);
        var link = LinkPattern().Match((await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20))).TextBody ?? "").Value;
        await reader.GotoAsync(link);
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true }).ClickAsync();
        var codeMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20));
        var code = CodePattern().Match(codeMail.TextBody!).Value.Trim();
        var wrongCode = code[..7] + (code[7] == '0' ? '1' : '0');
        await reader.Page.GetByLabel("One-time code", new() { Exact = true }).FillAsync(wrongCode);
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await Expect(reader.Page.GetByText("That code is not right", new() { Exact = false })).ToBeVisibleAsync();
        await reader.Page.GetByLabel("One-time code", new() { Exact = true }).FillAsync(code);
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await reader.WaitForPathAsync("/consent");
        await reader.Page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^I agree") }).CheckAsync();
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Continue", Exact = true }).ClickAsync();
        await reader.WaitForPathAsync($"/m/{messageId}");
        await Expect(reader.Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await reader.Page.GetByLabel("Access code", new() { Exact = true }).FillAsync(accessCode);
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Open the message", Exact = true }).ClickAsync();
        await Expect(reader.PageHeading(subject)).ToBeVisibleAsync();
        var download = await reader.Page.RunAndWaitForDownloadAsync(() => reader.Page.GetByRole(AriaRole.Link, new() { Name = fileName, Exact = true }).ClickAsync());
        Assert.Equal(fileContent, await File.ReadAllTextAsync((await download.PathAsync())!));
        await reader.Page.GetByLabel("Reply", new() { Exact = true }).FillAsync(replyBody);
        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Send reply", Exact = true }).ClickAsync();
        await Expect(reader.Page.GetByRole(AriaRole.Region, new() { Name = "Conversation", Exact = true }).GetByText(replyBody)).ToBeVisibleAsync(new() { Timeout = 20_000 });

        // API key use: the message and its file through the API.
        var key = await AdminCliRunner.RunAsync(Portal.Portal, "create-api-key", "--email", sender.Email, "--name", "scan");
        Assert.True(key.ExitCode == 0, key.Error);
        var apiKey = key.OutputLines[^1];
        using (var api = new HttpClient { BaseAddress = Portal.BaseAddress })
        {
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            var view = await api.GetStringAsync($"/api/v1/messages/{messageId}");
            Assert.Contains(replyBody, view, StringComparison.Ordinal);
        }

        var cookies = (await staff.Page.Context.CookiesAsync()).Concat(await reader.Page.Context.CookiesAsync()).Select(c => c.Value).Where(v => v.Length >= 16).ToList();
        Assert.NotEmpty(cookies);
        var secrets = new Dictionary<string, string>
        {
            ["link token"] = link[(link.LastIndexOf('/') + 1)..],
            ["mail code"] = code,
            ["wrong code"] = wrongCode,
            ["access code"] = accessCode,
            ["API key"] = apiKey,
            ["API key secret part"] = apiKey[^20..],
            ["staff password"] = sender.Password,
            ["subject"] = subject,
            ["body"] = marker,
            ["file name"] = fileName,
            ["file content"] = fileContent,
            ["reply body"] = replyBody,
        };
        for (var i = 0; i < cookies.Count; i++)
        {
            secrets[$"cookie value {i}"] = cookies[i];
        }

        var lines = portal.Logs.Lines;
        // The capture really holds the flow (so the search below means something): the message id is not a secret.
        Assert.Contains(lines, l => l.Contains(messageId.ToString(), StringComparison.Ordinal));
        var leaks = secrets
            .SelectMany(secret => lines.Where(l => Contains(l, secret.Value)).Select(l => $"{secret.Key} in: {l[..Math.Min(l.Length, 400)]}"))
            .ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} log line(s) of {lines.Count} hold a secret:\n" + string.Join("\n", leaks.Take(20)));

        // The audit trail holds the same flow, every field of every event, and none of the secrets either.
        var events = await Portal.Portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync());
        var stored = events.Select(e => string.Join(" | ", e.Sequence, e.At.ToString("O"), e.ActorKind, e.ActorId, e.ActorDisplay, e.Action,
            e.MessageId, e.RecipientId, e.AttachmentId, e.SubjectId, e.IpAddress, e.UserAgent, e.Detail, e.PreviousHash, e.Hash)).ToList();
        foreach (var action in new[] { AuditActions.MessageSent, AuditActions.CodeSent, AuditActions.CodeFailed, AuditActions.RecipientVerified,
            AuditActions.ConsentGiven, AuditActions.MessageOpened, AuditActions.AttachmentDownloaded, AuditActions.ReplySent })
        {
            Assert.Contains(events, e => e.Action == action && (e.MessageId == messageId || e.ActorDisplay == recipient || e.Detail?.Contains(recipient, StringComparison.Ordinal) == true));
        }

        var eventLeaks = secrets
            .SelectMany(secret => stored.Where(e => Contains(e, secret.Value)).Select(e => $"{secret.Key} in: {e[..Math.Min(e.Length, 400)]}"))
            .ToList();
        Assert.True(eventLeaks.Count == 0, $"{eventLeaks.Count} audit event(s) of {stored.Count} hold a secret:\n" + string.Join("\n", eventLeaks.Take(20)));
    }

    /// <summary>Digits count only as a whole run, so a code is not "found" inside a longer number such as a timestamp.</summary>
    private static bool Contains(string line, string secret) =>
        secret.All(char.IsAsciiDigit)
            ? Regex.IsMatch(line, $@"(?<!\d){secret}(?!\d)")
            : line.Contains(secret, StringComparison.Ordinal);

    private static bool IsTo(MimeMessage mail, string address) => mail.To.Mailboxes.Any(a => a.Address == address);

    [GeneratedRegex(@"http://localhost:\d+/r/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^[ \t]*\d{8}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex CodePattern();
}
