using System.Text;
using System.Text.RegularExpressions;
using ConnectidMail.Staff;
using Deque.AxeCore.Playwright;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>
/// The sender's pages in Chromium: compose with a file (streamed by the page's script to POST /messages/send), the
/// notification reaching a real SMTP server, validation errors at their fields, the sent list and revoking.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class SenderPagesTests(BrowserFixture browser, MailPortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<MailPortalFixture>
{
    private static readonly string[] BlockingImpacts = ["serious", "critical"];

    private IPage Page => Session.Page;

    private ILocator MainNav => Page.GetByRole(AriaRole.Navigation, new() { Name = "Main", Exact = true });

    private ILocator ToBox => Page.GetByLabel("To", new() { Exact = true });

    private ILocator SubjectBox => Page.GetByLabel("Subject", new() { Exact = true });

    private ILocator MessageBox => Page.GetByLabel("Message", new() { Exact = true });

    private ILocator FilesInput => Page.GetByLabel("Attach files", new() { Exact = true });

    private ILocator SendButton => Page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true });

    [Fact]
    public async Task A_sender_composes_with_a_file_lands_on_the_message_and_the_recipient_gets_a_link_to_the_portal()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        var recipient = $"recipient-{Guid.NewGuid():N}@example.com";
        var subject = $"Contract {Guid.NewGuid():N}"[..20];
        var fileContent = Encoding.UTF8.GetBytes("The signed contract, page 1 of 1.\n");
        await Session.SignInAsync(sender);

        await MainNav.GetByRole(AriaRole.Link, new() { Name = "Compose", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/compose");
        await Expect(Session.PageHeading("Compose")).ToBeVisibleAsync();
        await ToBox.FillAsync(recipient);
        await SubjectBox.FillAsync(subject);
        await MessageBox.FillAsync("Hello,\n\nplease find the **contract** attached.");
        await FilesInput.SetInputFilesAsync(new FilePayload { Name = "contract.txt", MimeType = "text/plain", Buffer = fileContent });
        await Expect(Page.GetByLabel("Access code", new() { Exact = true })).ToBeEditableAsync();
        await Page.GetByLabel("Require a passkey", new() { Exact = true }).CheckAsync();
        await SendButton.ClickAsync();

        await Page.WaitForURLAsync(new Regex("/messages/[0-9a-f-]{36}$"), new() { WaitUntil = WaitUntilState.Commit });
        var messageId = Guid.Parse(Session.CurrentPath["/messages/".Length..]);
        await Expect(Session.PageHeading(subject)).ToBeVisibleAsync();
        await Expect(Page.Locator(".body-text strong")).ToHaveTextAsync("contract");
        var row = Page.GetByRole(AriaRole.Row).Filter(new() { Has = Page.GetByRole(AriaRole.Rowheader, new() { Name = recipient, Exact = true }) });
        await Expect(row).ToBeVisibleAsync();
        await Expect(Page.GetByText("Required to read the message")).ToBeVisibleAsync();

        // The file went up whole and comes back whole from the sender's download link.
        var download = Page.GetByRole(AriaRole.Link, new() { Name = "contract.txt", Exact = true });
        var href = await download.GetAttributeAsync("href");
        Assert.Matches("^attachments/[0-9a-f-]{36}$", href);
        var response = await Page.APIRequest.GetAsync(href!);
        Assert.Equal(200, response.Status);
        Assert.Equal(fileContent, await response.BodyAsync());
        Assert.Contains("attachment", response.Headers["content-disposition"], StringComparison.Ordinal);

        // The notification holds a well-formed link into this portal, and nothing of the content.
        var mail = await portal.Mail.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == recipient), TimeSpan.FromSeconds(20));
        var text = mail.TextBody ?? "";
        var link = Assert.Single(LinkPattern().Matches(text)).Value;
        var linkUri = new Uri(link);
        Assert.Equal(Portal.BaseAddress.GetLeftPart(UriPartial.Authority), linkUri.GetLeftPart(UriPartial.Authority));
        Assert.Matches("^/r/[A-Za-z0-9_-]{43}$", linkUri.AbsolutePath);
        Assert.DoesNotContain("contract", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(subject, mail.Subject, StringComparison.Ordinal);

        // Sent lists it with the recipient's status, linking to the message.
        await MainNav.GetByRole(AriaRole.Link, new() { Name = "Sent", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/sent");
        var line = Page.GetByRole(AriaRole.Row).Filter(new() { Has = Page.GetByRole(AriaRole.Link, new() { Name = subject, Exact = true }) });
        await Expect(line).ToContainTextAsync(recipient);
        await Expect(line).ToContainTextAsync(new Regex("Notified|Notification waiting to be sent"));
        Assert.Equal($"messages/{messageId}", await line.GetByRole(AriaRole.Link, new() { Name = subject, Exact = true }).GetAttributeAsync("href"));
        Assert.True(Session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    [Fact]
    public async Task An_invalid_address_is_shown_at_the_To_box_nothing_is_sent_and_what_was_typed_stays()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        await Session.SignInAsync(sender);
        var before = await MessageCountAsync();
        var mailsBefore = portal.Mail.Messages.Count;

        await Session.GotoAsync("/compose");
        await ToBox.FillAsync("someone@example.com,\nnot-an-address");
        await SubjectBox.FillAsync("Kept subject");
        await MessageBox.FillAsync("Kept body");
        await SendButton.ClickAsync();

        var error = Page.Locator("#to-error");
        await Expect(error).ToHaveTextAsync("'not-an-address' is not a valid e-mail address.");
        await Expect(ToBox).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(ToBox).ToHaveAccessibleDescriptionAsync(new Regex("not-an-address' is not a valid e-mail address"));
        await Expect(SubjectBox).Not.ToHaveAttributeAsync("aria-invalid", "true");
        var summary = Page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The message was not sent" });
        await Expect(summary).ToBeFocusedAsync();
        await Expect(summary.GetByRole(AriaRole.Link)).ToHaveTextAsync(["'not-an-address' is not a valid e-mail address."]);
        Assert.Equal("/compose", Session.CurrentPath);
        await Expect(ToBox).ToHaveValueAsync("someone@example.com,\nnot-an-address");
        await Expect(SubjectBox).ToHaveValueAsync("Kept subject");
        await Expect(MessageBox).ToHaveValueAsync("Kept body");

        // The summary's link takes the keyboard to the field.
        await summary.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(ToBox).ToBeFocusedAsync();
        Assert.Equal("/compose", Session.CurrentPath);

        await AssertNoSeriousAxeViolationsAsync("the compose page showing errors");
        Assert.Equal(before, await MessageCountAsync());
        Assert.Equal(mailsBefore, portal.Mail.Messages.Count);

        // Fixed, it goes.
        await ToBox.FillAsync("someone@example.com");
        await SendButton.ClickAsync();
        await Page.WaitForURLAsync(new Regex("/messages/[0-9a-f-]{36}$"), new() { WaitUntil = WaitUntilState.Commit });
        await Expect(Session.PageHeading("Kept subject")).ToBeVisibleAsync();

        // Chromium logs the refused upload's 400 itself; nothing else may show up.
        var errors = Session.BrowserErrors.Where(e => !e.Contains("/messages/send:0:0): Failed to load resource: the server responded with a status of 400", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "The browser reported errors:\n" + string.Join("\n", errors));
    }

    [Fact]
    public async Task A_program_renamed_pdf_is_refused_by_the_portal_and_the_page_says_why_at_the_files_field()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        await Session.SignInAsync(sender);
        await Session.GotoAsync("/compose");
        await ToBox.FillAsync("someone@example.com");
        await SubjectBox.FillAsync("Invoice");
        var elf = new byte[2_000];
        "\u007fELF\u0002\u0001\u0001"u8.CopyTo(elf);
        await FilesInput.SetInputFilesAsync(new FilePayload { Name = "invoice.pdf", MimeType = "application/pdf", Buffer = elf });

        await SendButton.ClickAsync();

        await Expect(Page.Locator("#files-error")).ToHaveTextAsync("'invoice.pdf' is a program or script, which is never accepted.");
        await Expect(FilesInput).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal("/compose", Session.CurrentPath);
    }

    [Fact]
    public async Task A_file_over_the_policy_limit_is_refused_by_the_page_before_any_upload()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        await Session.SignInAsync(sender);
        await Session.GotoAsync("/compose");
        await ToBox.FillAsync("someone@example.com");
        await SubjectBox.FillAsync("Too big");
        await FilesInput.SetInputFilesAsync(new FilePayload { Name = "big.bin", MimeType = "application/octet-stream", Buffer = new byte[(1024 * 1024) + 1] });

        var uploads = 0;
        Page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/messages/send", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref uploads);
            }
        };
        await SendButton.ClickAsync();

        await Expect(Page.Locator("#files-error")).ToHaveTextAsync("'big.bin' is 1 MiB; each file may be at most 1 MiB.");
        await Expect(FilesInput).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal(0, uploads);
    }

    [Fact]
    public async Task A_sender_revokes_a_message_after_confirming_and_the_page_shows_it_withdrawn()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        await Session.SignInAsync(sender);
        var path = await ComposeAsync("revoke-me@example.com", "To be revoked");

        // Cancel leaves it as it was.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Revoke this message?", Exact = true })).ToBeVisibleAsync();
        await Page.GetByRole(AriaRole.Link, new() { Name = "Cancel", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Revoke this message?" })).ToHaveCountAsync(0);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await AssertNoSeriousAxeViolationsAsync("the revoke confirmation");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke", Exact = true }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Revoked the message: recipients can no longer read it or download its files.");
        Assert.Equal(path, Session.CurrentPath);
        await Expect(Page.GetByText("This message was withdrawn")).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "revoke-me@example.com" })).ToContainTextAsync("Withdrawn");
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true })).ToHaveCountAsync(0);
        var id = Guid.Parse(path["/messages/".Length..]);
        var revokedAt = await Portal.Portal.WithDbAsync(db => db.Messages.Where(m => m.Id == id).Select(m => m.RevokedAt).SingleAsync());
        Assert.NotNull(revokedAt);
    }

    [Fact]
    public async Task Another_senders_message_and_an_unknown_id_show_not_found()
    {
        var owner = await Portal.CreateUserAsync(StaffRoles.Sender);
        await Session.SignInAsync(owner);
        var path = await ComposeAsync("owned@example.com", "Not for others");
        await Session.LogOutButton.ClickAsync();
        await Session.WaitForPathAsync(BrowserSession.LoginPath);

        await Session.SignInAsync(await Portal.CreateUserAsync(StaffRoles.Sender));
        foreach (var address in new[] { path, $"/messages/{Guid.NewGuid()}" })
        {
            var response = await Page.GotoAsync(address);
            Assert.Equal(404, response!.Status);
            await Expect(Session.PageHeading("Not found")).ToBeVisibleAsync();
            await Expect(Page.GetByText("Not for others")).ToHaveCountAsync(0);
        }

        // And the other sender's list stays empty, pointing to Compose.
        await Session.GotoAsync("/sent");
        await Expect(Page.GetByText("You have not sent any secure messages yet.")).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Link, new() { Name = "Compose a message", Exact = true })).ToHaveAttributeAsync("href", "compose");
    }

    [Fact]
    public async Task The_sender_pages_have_no_serious_accessibility_violations_or_console_errors()
    {
        await Session.SignInAsync(await Portal.CreateUserAsync(StaffRoles.Sender));
        await Session.GotoAsync("/sent");
        await AssertNoSeriousAxeViolationsAsync("the empty sent list");
        await Session.GotoAsync("/compose");
        await AssertNoSeriousAxeViolationsAsync("the compose page");
        await ComposeAsync("axe@example.com", "Accessible");
        await AssertNoSeriousAxeViolationsAsync("a message page");
        await Session.GotoAsync("/sent");
        await AssertNoSeriousAxeViolationsAsync("the sent list");
        Assert.True(Session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    /// <summary>Sends a message through the compose page and returns the path of the message page it lands on.</summary>
    private async Task<string> ComposeAsync(string to, string subject)
    {
        await Session.GotoAsync("/compose");
        await ToBox.FillAsync(to);
        await SubjectBox.FillAsync(subject);
        await MessageBox.FillAsync("Body text.");
        await SendButton.ClickAsync();
        await Page.WaitForURLAsync(new Regex("/messages/[0-9a-f-]{36}$"), new() { WaitUntil = WaitUntilState.Commit });
        await Expect(Session.PageHeading(subject)).ToBeVisibleAsync();
        return Session.CurrentPath;
    }

    private Task<int> MessageCountAsync() => Portal.Portal.WithDbAsync(db => db.Messages.CountAsync());

    private async Task AssertNoSeriousAxeViolationsAsync(string what)
    {
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var result = await Page.RunAxe();
        Assert.NotEmpty(result.Passes);
        var blocking = result.Violations.Where(v => BlockingImpacts.Contains(v.Impact)).ToList();
        Assert.True(
            blocking.Count == 0,
            $"axe found serious violations on {what} ({Page.Url}):\n" + string.Join("\n", blocking.Select(v => $"- [{v.Impact}] {v.Id}: {v.Help}\n    "
                + string.Join("\n    ", v.Nodes.Select(n => n.Html)))));
    }

    [GeneratedRegex(@"https?://\S+/r/\S+")]
    private static partial Regex LinkPattern();
}
