using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnectidMail.Audit;
using ConnectidMail.IntegrationTests.Messaging;
using ConnectidMail.IntegrationTests.Recipient;
using ConnectidMail.Messaging;
using ConnectidMail.Storage;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Replies.ReplyTestSupport;

namespace ConnectidMail.IntegrationTests.Replies;

/// <summary>
/// Replies against a real portal, database and SMTP server: a recipient's reply with files reaches the sender (API,
/// downloads, a mail holding only a link) and is stored encrypted; the sender's answer reaches the recipient through a
/// new link while the first keeps working; threads are private to their recipient and their sender; expiry shreds them.
/// </summary>
public sealed partial class ReplyTests
{
    [Fact]
    public async Task A_recipients_reply_with_files_reaches_the_sender_by_API_with_a_link_only_mail_and_is_stored_encrypted()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        var (senderEmail, key) = await MessagingApi.CreateUserWithKeyAsync(portal, "Sender");
        using var sender = MessagingApi.Client(portal, key);
        using var recipient = new RecipientClient(portal, sink, NewAddress());
        var id = await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Please sign", body = "Sign the contract" });
        await recipient.VerifyAndConsentAsync();
        var marker = NewMarker();
        var first = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat($"signed {marker}\n", 10_000)));
        var second = SampleFiles.For("second.pdf", 3_000);

        using (var response = await ReplyAsync(recipient, id, $"Here it is {marker}", null, ($"{marker}.txt", first), ("second.pdf", second)))
        {
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        var view = await GetMessageAsync(sender, id);
        var seen = RecipientOf(view, recipient.Email);
        Assert.Equal(RecipientStatus.Replied, seen.GetProperty("status").GetString());
        MessagingApi.AssertUtc(seen.GetProperty("repliedAt"));
        var reply = Assert.Single(view.GetProperty("replies").EnumerateArray());
        Assert.Equal(recipient.Email, reply.GetProperty("from").GetString());
        Assert.Equal(recipient.Email, reply.GetProperty("recipient").GetString());
        Assert.Equal(seen.GetProperty("id").GetGuid(), reply.GetProperty("recipientId").GetGuid());
        Assert.Equal("recipient", reply.GetProperty("author").GetString());
        Assert.Equal($"Here it is {marker}", reply.GetProperty("body").GetString());
        MessagingApi.AssertUtc(reply.GetProperty("createdAt"));
        var files = reply.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal([$"{marker}.txt", "second.pdf"], files.Select(f => f.GetProperty("name").GetString()));
        Assert.Equal([first.Length, second.Length], files.Select(f => f.GetProperty("size").GetInt64()));
        Assert.Equal(first, await sender.GetByteArrayAsync($"/api/v1/attachments/{files[0].GetProperty("id").GetGuid()}"));
        Assert.Equal(second, await sender.GetByteArrayAsync($"/api/v1/attachments/{files[1].GetProperty("id").GetGuid()}"));

        // The sender's mail goes to their account address and holds the message page's link, nothing of the reply.
        var mail = await sink.WaitForMessageAsync(m => m.To.Mailboxes.Any(b => b.Address == senderEmail));
        Assert.Contains($"{PublicBaseUrl}/messages/{id}", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains($"{PublicBaseUrl}/messages/{id}", mail.HtmlBody, StringComparison.Ordinal);
        foreach (var content in new[] { marker, "Here it is", "second.pdf", "Please sign", "Sign the contract", recipient.Email })
        {
            Assert.DoesNotContain(content, mail.TextBody, StringComparison.Ordinal);
            Assert.DoesNotContain(content, mail.HtmlBody, StringComparison.Ordinal);
            Assert.DoesNotContain(content, mail.Subject, StringComparison.Ordinal);
        }

        // The recipient sees their reply in the thread and gets their own file back.
        var page = await recipient.GetAsync($"/m/{id}");
        Assert.Contains($"Here it is {marker}", page.Text, StringComparison.Ordinal);
        Assert.Contains($"href=\"m/files/{files[1].GetProperty("id").GetGuid()}\"", page.Html, StringComparison.Ordinal);
        Assert.Equal(second, await recipient.Http.GetByteArrayAsync($"/m/files/{files[1].GetProperty("id").GetGuid()}"));

        // The audit trail records the reply, by the recipient, without its content.
        var replyId = reply.GetProperty("id").GetGuid().ToString();
        var recorded = await portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Action == AuditActions.ReplySent).ToListAsync());
        var sent = Assert.Single(recorded);
        Assert.Equal((id, seen.GetProperty("id").GetGuid(), replyId), (sent.MessageId!.Value, sent.RecipientId!.Value, sent.SubjectId));
        Assert.Equal(AuditActorKind.Recipient, sent.ActorKind);
        Assert.Equal(recipient.Email, sent.ActorDisplay);
        Assert.Contains("\"files\":2", sent.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, sent.Detail, StringComparison.Ordinal);

        // Neither the body, nor the file name, nor the file's content is on the disk in plain form.
        Assert.False(await StoredBytes.ContainAsync(portal, Encoding.UTF8.GetBytes(marker)), "The marker was found in plain UTF-8.");
        Assert.False(await StoredBytes.ContainAsync(portal, Encoding.Unicode.GetBytes(marker)), "The marker was found in plain UTF-16LE.");
        Assert.True(await StoredBytes.ContainAsync(portal, Encoding.UTF8.GetBytes(recipient.Email)), "The scan misses the database.");
    }

    [Fact]
    public async Task The_senders_answer_reaches_the_recipient_through_a_new_link_while_the_first_link_keeps_working()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, NewAddress());
        var id = await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Question", body = "Any questions?" });
        var firstLink = await recipient.LinkTokenAsync();
        await recipient.VerifyAndConsentAsync();
        using (var reply = await ReplyAsync(recipient, id, "Yes, one."))
        {
            Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        }

        var recipientId = RecipientOf(await GetMessageAsync(sender, id), recipient.Email).GetProperty("id").GetGuid();
        var marker = NewMarker();
        var file = SampleFiles.For("answer.pdf", 70_000);
        var mailsBefore = recipient.MailCount;
        using (var answer = await AnswerAsync(sender, id, recipientId, $"The answer {marker}", ("answer.pdf", file)))
        {
            Assert.True(answer.StatusCode == HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        }

        var mail = await sink.WaitForMessageAsync(m => m.To.Mailboxes.Any(b => b.Address == recipient.Email) && (m.Subject ?? "").Contains("answer", StringComparison.Ordinal));
        Assert.True(recipient.MailCount > mailsBefore);
        Assert.DoesNotContain(marker, mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("answer.pdf", mail.TextBody, StringComparison.Ordinal);
        var newLink = LinkPattern().Match(mail.TextBody!).Groups["token"].Value;
        var answered = await portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Action == AuditActions.ReplySent).OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal([AuditActorKind.Recipient, AuditActorKind.ApiKey], answered.Select(e => e.ActorKind));
        Assert.All(answered, e => Assert.Equal(recipientId, e.RecipientId));
        Assert.NotEqual(firstLink, newLink);

        // The signed-in browser sees the thread, newest last, with the answer's file.
        var thread = (await GetMessageAsync(sender, id)).GetProperty("replies").EnumerateArray().ToList();
        Assert.Equal(["recipient", "sender"], thread.Select(r => r.GetProperty("author").GetString()));
        var answerFile = thread[1].GetProperty("attachments")[0].GetProperty("id").GetGuid();
        var page = await recipient.GetAsync($"/m/{id}");
        Assert.True(page.Text.IndexOf("Yes, one.", StringComparison.Ordinal) < page.Text.IndexOf($"The answer {marker}", StringComparison.Ordinal), page.Text);
        Assert.Equal(file, await recipient.Http.GetByteArrayAsync($"/m/files/{answerFile}"));

        // The first link still leads to the message; the new one works in a fresh browser, after a code.
        var again = await recipient.GetAsync($"/r/{firstLink}");
        Assert.Equal($"/m/{id}", again.Uri.AbsolutePath);
        using var fresh = new RecipientClient(portal, sink, recipient.Email);
        var landing = await fresh.GetAsync($"/r/{newLink}");
        Assert.Equal("/verify", landing.Uri.AbsolutePath);
        var before = fresh.MailCount;
        await fresh.AskForCodeAsync();
        var reading = await fresh.EnterCodeAsync(await fresh.CodeAsync(before));
        Assert.Equal($"/m/{id}", reading.Uri.AbsolutePath);
        Assert.Contains($"The answer {marker}", reading.Text, StringComparison.Ordinal);
        Assert.False(await StoredBytes.ContainAsync(portal, Encoding.UTF8.GetBytes(marker)), "The answer was found in plain UTF-8.");
    }

    [Fact]
    public async Task A_recipient_sees_and_downloads_nothing_of_another_recipients_thread_and_replies_only_into_their_own()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var sender = await SenderClientAsync(portal);
        using var a = new RecipientClient(portal, sink, NewAddress());
        using var b = new RecipientClient(portal, sink, NewAddress());
        var id = await SendAsync(sender, new { to = new[] { a.Email, b.Email }, subject = "To both", body = "Both of you" });
        await a.VerifyAndConsentAsync();
        await b.VerifyAndConsentAsync();
        var secret = NewMarker();
        using (var reply = await ReplyAsync(b, id, $"B's reply {secret}", null, ($"{secret}.txt", Encoding.UTF8.GetBytes($"B's file {secret}"))))
        {
            Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        }

        var view = await GetMessageAsync(sender, id);
        var bId = RecipientOf(view, b.Email).GetProperty("id").GetGuid();
        var aId = RecipientOf(view, a.Email).GetProperty("id").GetGuid();
        using (var answer = await AnswerAsync(sender, id, bId, $"Answer to B {secret}"))
        {
            Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        }

        var bFile = view.GetProperty("replies")[0].GetProperty("attachments")[0].GetProperty("id").GetGuid();
        var page = await a.GetAsync($"/m/{id}");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Both of you", page.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain(bFile.ToString(), page.Html, StringComparison.Ordinal);
        using (var download = await a.Http.GetAsync($"/m/files/{bFile}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
            Assert.DoesNotContain(secret, await download.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A's reply lands in A's own thread, which B does not see.
        using (var reply = await ReplyAsync(a, id, "A's own reply"))
        {
            Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        }

        var threads = (await GetMessageAsync(sender, id)).GetProperty("replies").EnumerateArray().ToList();
        Assert.Equal(["recipient", "sender"], threads.Where(r => r.GetProperty("recipientId").GetGuid() == bId).Select(r => r.GetProperty("author").GetString()));
        Assert.Equal("A's own reply", threads.Single(r => r.GetProperty("recipientId").GetGuid() == aId).GetProperty("body").GetString());
        Assert.DoesNotContain("A's own reply", (await b.GetAsync($"/m/{id}")).Html, StringComparison.Ordinal);
        Assert.Contains($"Answer to B {secret}", (await b.GetAsync($"/m/{id}")).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_sender_gets_404_for_the_message_its_reply_files_and_its_threads_and_stores_nothing()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var owner = await SenderClientAsync(portal);
        using var other = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, NewAddress());
        var id = await SendAsync(owner, new { to = new[] { recipient.Email }, subject = "Owner's", body = "Owner's body" });
        await recipient.VerifyAndConsentAsync();
        var secret = NewMarker();
        using (var reply = await ReplyAsync(recipient, id, $"Reply {secret}", null, ("reply.txt", Encoding.UTF8.GetBytes(secret))))
        {
            Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        }

        var view = await GetMessageAsync(owner, id);
        var file = view.GetProperty("replies")[0].GetProperty("attachments")[0].GetProperty("id").GetGuid();
        var recipientId = view.GetProperty("recipients")[0].GetProperty("id").GetGuid();

        using (var message = await other.GetAsync($"/api/v1/messages/{id}"))
        {
            await MessagingApi.ReadProblemAsync(message, HttpStatusCode.NotFound);
        }

        using (var download = await other.GetAsync($"/api/v1/attachments/{file}"))
        {
            var problem = await MessagingApi.ReadProblemAsync(download, HttpStatusCode.NotFound);
            Assert.DoesNotContain(secret, problem.ToString(), StringComparison.Ordinal);
        }

        var before = await MessagingApi.StoredAsync(portal);
        using (var answer = await AnswerAsync(other, id, recipientId, "Not my thread", ("x.txt", SampleFiles.For("x.txt", 10))))
        {
            await MessagingApi.ReadProblemAsync(answer, HttpStatusCode.NotFound);
        }

        Assert.Equal(before, await MessagingApi.StoredAsync(portal));
    }

    [Fact]
    public async Task Expiry_shreds_the_replies_and_deletes_their_files()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        var clock = NewClock();
        using var portal = Portal(Settings(sink.PortalSettings()), clock);
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, NewAddress());
        var id = await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Short-lived", body = "Soon gone" });
        await recipient.VerifyAndConsentAsync();
        using (var reply = await ReplyAsync(recipient, id, "A reply", null, ("one.pdf", SampleFiles.For("one.pdf", 80_000))))
        {
            Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        }

        var recipientId = RecipientOf(await GetMessageAsync(sender, id), recipient.Email).GetProperty("id").GetGuid();
        using (var answer = await AnswerAsync(sender, id, recipientId, "An answer", ("two.pdf", SampleFiles.For("two.pdf", 1_000))))
        {
            Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        }

        var blobs = await portal.WithDbAsync(db => db.ReplyAttachments.Select(a => a.BlobName!).ToListAsync());
        Assert.Equal(2, blobs.Count);
        Assert.All(blobs, blob => Assert.True(BlobExists(portal, blob)));
        var replyFile = (await GetMessageAsync(sender, id)).GetProperty("replies")[0].GetProperty("attachments")[0].GetProperty("id").GetGuid();

        await portal.WithDbAsync(db => db.Messages.Where(m => m.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ExpiresAt, clock.GetUtcNow().AddSeconds(-1))));
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<MessageExpiry>().ExpireDueAsync());
        }

        var rows = await portal.WithDbAsync(db => db.Replies.AsNoTracking().Include(r => r.Attachments).Where(r => r.MessageId == id).ToListAsync());
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Null(r.EncryptedBody));
        Assert.All(rows.SelectMany(r => r.Attachments), a => Assert.Null(a.BlobName));
        Assert.All(blobs, blob => Assert.False(BlobExists(portal, blob)));

        var replies = (await GetMessageAsync(sender, id)).GetProperty("replies").EnumerateArray().ToList();
        Assert.Equal(2, replies.Count);
        Assert.All(replies, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("body").ValueKind));
        using var download = await sender.GetAsync($"/api/v1/attachments/{replyFile}");
        Assert.Equal(HttpStatusCode.Gone, download.StatusCode);
    }

    internal static string NewAddress() => $"recipient-{Guid.NewGuid():N}@example.org";

    private static bool BlobExists(PortalFactory portal, string blob) =>
        portal.Services.GetRequiredService<BlobStore>().Exists(BlobName.Parse(blob));

    [GeneratedRegex(@"/r/(?<token>[A-Za-z0-9_-]{43})")]
    private static partial Regex LinkPattern();
}
