using System.Net;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Recipient;

/// <summary>
/// The recipient's pages over HTTP against a real portal, database and SMTP server: what a wrong, reused or expired
/// code gets, what another address's message and files answer, and what a revoked message shows.
/// </summary>
public sealed class RecipientAccessTests
{
    [Fact]
    public async Task Five_wrong_codes_lock_the_code_and_the_sixth_attempt_is_refused_even_with_the_right_code()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, NewAddress());
        await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Locked", body = "Never shown" });

        await recipient.OpenLinkAsync();
        var before = recipient.MailCount;
        await recipient.AskForCodeAsync();
        var code = await recipient.CodeAsync(before);
        var wrong = code[..7] + (code[7] == '0' ? '1' : '0');
        for (var left = 4; left >= 1; left--)
        {
            var page = await recipient.EnterCodeAsync(wrong);
            Assert.Contains($"That code is not right. {left} {(left == 1 ? "try" : "tries")} left.", page.Text, StringComparison.Ordinal);
        }

        var fifth = await recipient.EnterCodeAsync(wrong);
        Assert.Contains("That code is locked after too many wrong tries", fifth.Text, StringComparison.Ordinal);
        Assert.Contains("The last code was locked", fifth.Text, StringComparison.Ordinal);

        var sixth = await recipient.EnterCodeAsync(code);
        Assert.Equal("/verify", sixth.Uri.AbsolutePath);
        Assert.Contains("That code is locked after too many wrong tries", sixth.Text, StringComparison.Ordinal);
        Assert.Equal(0, await portal.WithDbAsync(db => db.RecipientSessions.CountAsync(s => s.Email == recipient.Email)));

        // Nothing of the recipient's pages opens without a session.
        var inbox = await recipient.GetAsync("/inbox");
        Assert.Equal("/verify", inbox.Uri.AbsolutePath);
        Assert.DoesNotContain("Never shown", inbox.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_used_code_and_an_expired_code_are_refused()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        var clock = NewClock();
        using var portal = Portal(Settings(sink.PortalSettings()), clock);
        using var sender = await SenderClientAsync(portal);
        var email = NewAddress();
        await SendAsync(sender, new { to = new[] { email }, subject = "Once", body = "Only once" });

        // The first browser verifies with the code...
        using (var first = new RecipientClient(portal, sink, email))
        {
            await first.OpenLinkAsync();
            await first.AskForCodeAsync();
            var code = await first.CodeAsync();
            var verified = await first.EnterCodeAsync(code);
            Assert.Equal("/consent", verified.Uri.AbsolutePath);

            // ...a second one cannot use it again.
            using var second = new RecipientClient(portal, sink, email);
            await second.OpenLinkAsync();
            var reused = await second.EnterCodeAsync(code);
            Assert.Equal("/verify", reused.Uri.AbsolutePath);
            Assert.Contains("There is no valid code for this address", reused.Text, StringComparison.Ordinal);
        }

        // A new code, used 10 minutes and 1 second later, is refused as expired.
        using var late = new RecipientClient(portal, sink, email);
        await late.OpenLinkAsync();
        var mails = late.MailCount;
        await late.AskForCodeAsync();
        var fresh = await late.CodeAsync(mails);
        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var expired = await late.EnterCodeAsync(fresh);
        Assert.Equal("/verify", expired.Uri.AbsolutePath);
        Assert.Contains("That code has expired", expired.Text, StringComparison.Ordinal);
        Assert.Equal(1, await portal.WithDbAsync(db => db.RecipientSessions.CountAsync(s => s.Email == email)));
    }

    [Fact]
    public async Task A_recipient_verified_as_A_sees_nothing_of_Bs_message_or_file_and_pages_and_files_are_not_cached()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var sender = await SenderClientAsync(portal);
        using var a = new RecipientClient(portal, sink, NewAddress());
        var b = NewAddress();
        var mine = await SendWithFilesAsync(sender, new { to = new[] { a.Email }, subject = "For A", body = "A's body" }, ("a.txt", "A's file"u8.ToArray()));
        var theirs = await SendWithFilesAsync(sender, new { to = new[] { b }, subject = "For B only", body = "B's secret body" }, ("b.txt", "B's secret file"u8.ToArray()));
        var myFile = (await GetMessageAsync(sender, mine)).GetProperty("attachments")[0].GetProperty("id").GetGuid();
        var theirFile = (await GetMessageAsync(sender, theirs)).GetProperty("attachments")[0].GetProperty("id").GetGuid();

        var reading = await a.VerifyAndConsentAsync();
        Assert.Equal($"/m/{mine}", reading.Uri.AbsolutePath);
        Assert.Contains("A's body", reading.Text, StringComparison.Ordinal);
        Assert.Equal("no-store", reading.CacheControl);
        using (var file = await a.Http.GetAsync($"/m/files/{myFile}"))
        {
            Assert.Equal(HttpStatusCode.OK, file.StatusCode);
            Assert.Equal("A's file"u8.ToArray(), await file.Content.ReadAsByteArrayAsync());
            Assert.Equal("no-store", file.Headers.CacheControl?.ToString());
        }

        // The download is a receipt the sender sees.
        var receipt = (await GetMessageAsync(sender, mine)).GetProperty("recipients")[0];
        Assert.Equal(1, receipt.GetProperty("downloadCount").GetInt32());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, receipt.GetProperty("lastDownloadedAt").ValueKind);

        var other = await a.GetAsync($"/m/{theirs}");
        Assert.Equal(HttpStatusCode.NotFound, other.Status);
        Assert.DoesNotContain("For B only", other.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("B's secret body", other.Html, StringComparison.Ordinal);
        using (var file = await a.Http.GetAsync($"/m/files/{theirFile}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, file.StatusCode);
            Assert.DoesNotContain("B's secret file", await file.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A recipient's session opens no staff page.
        foreach (var staffPage in new[] { "/", "/sent", "/Account/Manage" })
        {
            var refused = await a.GetAsync(staffPage);
            Assert.True(refused.Uri.AbsolutePath is "/Account/Login" or "/Account/AccessDenied", $"{staffPage} ended at {refused.Uri}");
            Assert.DoesNotContain("<h1>Dashboard</h1>", refused.Html, StringComparison.Ordinal);
        }

        var inbox = await a.GetAsync("/inbox");
        Assert.Equal("no-store", inbox.CacheControl);
        Assert.Contains("For A", inbox.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("For B only", inbox.Html, StringComparison.Ordinal);
        Assert.Equal(0, await portal.WithDbAsync(db => db.MessageRecipients.Where(r => r.MessageId == theirs).SumAsync(r => r.OpenCount)));
        Assert.Equal(0, await portal.WithDbAsync(db => db.AttachmentDownloads.CountAsync(d => d.AttachmentId == theirFile)));
    }

    [Fact]
    public async Task A_revoked_message_shows_that_it_was_withdrawn_and_no_content_and_its_files_are_gone()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, NewAddress());
        var id = await SendWithFilesAsync(sender, new { to = new[] { recipient.Email }, subject = "Soon withdrawn", body = "Withdrawn body" }, ("w.txt", "withdrawn file"u8.ToArray()));
        var file = (await GetMessageAsync(sender, id)).GetProperty("attachments")[0].GetProperty("id").GetGuid();
        var reading = await recipient.VerifyAndConsentAsync();
        Assert.Contains("Withdrawn body", reading.Text, StringComparison.Ordinal);

        using (var revoke = await sender.PostAsync($"/api/v1/messages/{id}/revoke", null))
        {
            revoke.EnsureSuccessStatusCode();
        }

        var page = await recipient.GetAsync($"/m/{id}");
        Assert.Contains("This message was withdrawn by the sender", page.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Withdrawn body", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("w.txt", page.Html, StringComparison.Ordinal);
        using var download = await recipient.Http.GetAsync($"/m/files/{file}");
        Assert.Equal(HttpStatusCode.Gone, download.StatusCode);
        Assert.DoesNotContain("withdrawn file", await download.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_code_verification_shows_as_verified_to_the_sender_before_anything_is_opened()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, NewAddress());
        // The access code keeps the message closed after verification, so nothing is opened.
        var id = await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Closed", body = "Behind a code", accessCode = "4711-2026" });

        var page = await recipient.VerifyAndConsentAsync();

        Assert.DoesNotContain("Behind a code", page.Text, StringComparison.Ordinal);
        var seen = (await GetMessageAsync(sender, id)).GetProperty("recipients")[0];
        Assert.Equal("verified", seen.GetProperty("status").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, seen.GetProperty("verifiedAt").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, seen.GetProperty("firstOpenedAt").ValueKind);
        Assert.Equal(0, seen.GetProperty("openCount").GetInt32());
    }

    private static string NewAddress() => $"recipient-{Guid.NewGuid():N}@example.org";
}
