using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>The access log and "This wasn't me" across two browsers verified as the same address.</summary>
public sealed partial class RecipientPortalTests
{
    [Fact]
    public async Task This_wasnt_me_in_one_browser_ends_the_other_browsers_session_too()
    {
        using var sender = await SenderClientAsync();
        var recipient = $"not-me-{Guid.NewGuid():N}@example.com";
        var body = $"Read in two browsers {Guid.NewGuid():N}";
        var messageId = await SendWithFileAsync(sender, recipient, "Two browsers", body);
        await VerifyAndConsentAsync(recipient, messageId);
        await Expect(Page.GetByText(body)).ToBeVisibleAsync();

        // A second browser (its own cookies) verifies the same address with a new code; consent is already given.
        await using var second = await BrowserSession.OpenAsync(Browser, Portal);
        var mails = MailsTo(recipient);
        await second.GotoAsync(LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20))));
        await second.Page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true }).ClickAsync();
        await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && MailsTo(recipient) > mails, TimeSpan.FromSeconds(20));
        var codeMail = portal.Mail.Messages.Last(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""));
        await second.Page.GetByLabel("One-time code", new() { Exact = true }).FillAsync(CodePattern().Match(codeMail.TextBody!).Value.Trim());
        await second.Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await second.WaitForPathAsync($"/m/{messageId}");
        await Expect(second.Page.GetByText(body)).ToBeVisibleAsync();

        // The second browser reads the access log, presses "This wasn't me" and confirms.
        await second.Page.GetByRole(AriaRole.Link, new() { Name = "Access log", Exact = true }).ClickAsync();
        await second.WaitForPathAsync("/recipient/activity");
        await Expect(second.PageHeading("Access log")).ToBeVisibleAsync();
        await Expect(second.Page.GetByRole(AriaRole.Cell, new() { Name = "Message opened" }).First).ToBeVisibleAsync();
        await second.Page.GetByRole(AriaRole.Link, new() { Name = "This wasn't me", Exact = true }).ClickAsync();
        await second.WaitForPathAsync("/recipient/activity/not-me");
        await second.Page.GetByRole(AriaRole.Button, new() { Name = "Yes, end all sessions and remove my passkeys", Exact = true }).ClickAsync();
        await second.WaitForPathAsync("/signed-out");
        await Expect(second.PageHeading("You are signed out everywhere")).ToBeVisibleAsync();

        // The first browser's open page drops the message, and its next navigation asks to verify again.
        await Expect(Page.GetByText(body)).ToHaveCountAsync(0, new() { Timeout = 5_000 });
        await Session.GotoAsync("/inbox");
        await Session.WaitForPathAsync("/verify");
        await Session.GotoAsync($"/m/{messageId}");
        await Session.WaitForPathAsync("/verify");
        Assert.DoesNotContain(body, await Page.ContentAsync(), StringComparison.Ordinal);
    }
}
