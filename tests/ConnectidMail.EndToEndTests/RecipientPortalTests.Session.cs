using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>The access-code form, sign-out, and a second link opened while a session is live, driven in Chromium.</summary>
public sealed partial class RecipientPortalTests
{
    [Fact]
    public async Task A_message_with_an_access_code_opens_only_after_the_right_access_code()
    {
        using var sender = await SenderClientAsync();
        var recipient = $"coded-{Guid.NewGuid():N}@example.com";
        var body = $"Behind an access code {Guid.NewGuid():N}";
        var messageId = await SendAsync(sender, new { to = new[] { recipient }, subject = "Coded", body, accessCode = "blue-4711" });
        await VerifyAndConsentAsync(recipient, messageId);

        await Expect(Session.PageHeading("Enter the access code")).ToBeVisibleAsync();
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        Assert.DoesNotContain(body, await Page.ContentAsync(), StringComparison.Ordinal);

        var box = Page.GetByLabel("Access code", new() { Exact = true });
        var open = Page.GetByRole(AriaRole.Button, new() { Name = "Open the message", Exact = true });
        await box.FillAsync("blue-4712");
        await open.ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That access code is not right.");
        Assert.DoesNotContain(body, await Page.ContentAsync(), StringComparison.Ordinal);

        await box.FillAsync("blue-4711");
        await open.ClickAsync();
        await Expect(Session.PageHeading("Coded")).ToBeVisibleAsync();
        await Expect(Page.GetByText(body)).ToBeVisibleAsync();

        // The unlock holds for this session: a reload shows the message straight away.
        await Page.ReloadAsync();
        await Expect(Page.GetByText(body)).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Five_wrong_access_codes_keep_the_message_closed_even_for_the_right_one()
    {
        using var sender = await SenderClientAsync();
        var recipient = $"guesser-{Guid.NewGuid():N}@example.com";
        var body = $"Never shown {Guid.NewGuid():N}";
        var messageId = await SendAsync(sender, new { to = new[] { recipient }, subject = "Locked", body, accessCode = "right-code" });
        await VerifyAndConsentAsync(recipient, messageId);
        await Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);

        var box = Page.GetByLabel("Access code", new() { Exact = true });
        var open = Page.GetByRole(AriaRole.Button, new() { Name = "Open the message", Exact = true });
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await box.FillAsync($"wrong-{attempt}");
            await open.ClickAsync();

            // The form clears the box after each answer, so an empty box means this attempt was handled.
            await Expect(box).ToHaveValueAsync("");
        }

        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Too many wrong access codes");
        await box.FillAsync("right-code");
        await open.ClickAsync();
        await Expect(box).ToHaveValueAsync("");
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Too many wrong access codes");
        Assert.DoesNotContain(body, await Page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_out_ends_the_session_so_the_inbox_and_the_link_ask_to_verify_again()
    {
        using var sender = await SenderClientAsync();
        var recipient = $"leaver-{Guid.NewGuid():N}@example.com";
        var body = $"Read then leave {Guid.NewGuid():N}";
        var messageId = await SendAsync(sender, new { to = new[] { recipient }, subject = "Sign-out test", body });
        await VerifyAndConsentAsync(recipient, messageId);
        await Expect(Page.GetByText(body)).ToBeVisibleAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/signed-out");
        await Expect(Session.PageHeading("You are signed out")).ToBeVisibleAsync();

        // The same browser (its cookies) gets nothing any more.
        var message = await Page.APIRequest.GetAsync($"/m/{messageId}", new() { MaxRedirects = 0 });
        Assert.Equal(302, message.Status);
        Assert.DoesNotContain(body, await message.TextAsync(), StringComparison.Ordinal);
        var inbox = await Page.APIRequest.GetAsync("/inbox", new() { MaxRedirects = 0 });
        Assert.Equal(302, inbox.Status);

        // The link asks for a new verification instead of going to the message.
        var codeMails = MailsTo(recipient);
        await Session.GotoAsync(LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20))));
        await Session.WaitForPathAsync("/verify");
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true })).ToBeVisibleAsync();
        Assert.Equal(codeMails, MailsTo(recipient));
    }

    [Fact]
    public async Task A_new_link_for_the_verified_address_goes_straight_to_its_message_and_another_address_must_verify()
    {
        using var sender = await SenderClientAsync();
        var recipient = $"regular-{Guid.NewGuid():N}@example.com";
        var first = await SendAsync(sender, new { to = new[] { recipient }, subject = "First", body = "The first message." });
        var firstLink = LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20)));
        await VerifyAndConsentAsync(recipient, first);

        var secondBody = $"The second message {Guid.NewGuid():N}";
        var second = await SendAsync(sender, new { to = new[] { recipient }, subject = "Second", body = secondBody });
        var secondLink = LinkIn(await portal.Mail.WaitForMessageAsync(
            m => IsTo(m, recipient) && LinkIn(m) is { Length: > 0 } link && link != firstLink, TimeSpan.FromSeconds(20)));
        var mails = MailsTo(recipient);
        await Session.GotoAsync(secondLink);
        await Session.WaitForPathAsync($"/m/{second}");
        await Expect(Page.GetByText(secondBody)).ToBeVisibleAsync();
        Assert.Equal(mails, MailsTo(recipient));

        // A link for somebody else in the same browser is not opened by this session.
        var other = $"someone-else-{Guid.NewGuid():N}@example.com";
        var otherBody = $"Not for the first reader {Guid.NewGuid():N}";
        await SendAsync(sender, new { to = new[] { other }, subject = "Other", body = otherBody });
        await Session.GotoAsync(LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, other), TimeSpan.FromSeconds(20))));
        await Session.WaitForPathAsync("/verify");
        await Expect(Page.GetByText("s•••@example.com")).ToBeVisibleAsync();
        Assert.DoesNotContain(otherBody, await Page.ContentAsync(), StringComparison.Ordinal);
    }

    private static async Task<Guid> SendAsync(HttpClient client, object message)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/messages", message);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetGuid();
    }
}
