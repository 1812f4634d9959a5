using ConnectidMail.Messaging;
using ConnectidMail.Testing;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Verification.RecipientTestSupport;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>
/// Messages as a verified recipient reads them, sent through the real API and read from a real database on a fake clock:
/// only the session's own messages, receipts, revocation, expiry, access codes, passkeys and attachments.
/// </summary>
public sealed class RecipientMessagesTests
{
    [Fact]
    public async Task The_inbox_lists_only_the_addresses_messages_newest_first_with_unread_flags()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var (anna, bo) = (NewAddress("anna"), NewAddress("bo"));
        var first = await SendAsync(client, Message("First", anna));
        clock.Advance(TimeSpan.FromMinutes(1));
        var toBo = await SendAsync(client, Message("For Bo", bo));
        clock.Advance(TimeSpan.FromMinutes(1));
        var both = await SendAsync(client, Message("For both", bo, anna.ToUpperInvariant()));
        var annaSession = await StartAsync(portal, anna);

        var inbox = await InboxAsync(portal, annaSession);

        Assert.Equal([both, first], inbox.Select(i => i.MessageId));
        Assert.Equal(["For both", "First"], inbox.Select(i => i.Subject));
        Assert.All(inbox, i =>
        {
            Assert.True(i.Unread);
            Assert.Equal(RecipientMessageState.Available, i.State);
            Assert.StartsWith("sender-", i.SenderEmail, StringComparison.Ordinal);
        });
        Assert.Equal(clock.GetUtcNow().AddMinutes(-2), inbox[1].SentAt);

        Assert.Equal(RecipientOpenOutcome.Opened, (await OpenAsync(portal, first, annaSession)).Outcome);
        var after = await InboxAsync(portal, annaSession);
        Assert.Equal([(both, true), (first, false)], after.Select(i => (i.MessageId, i.Unread)));

        var boInbox = await InboxAsync(portal, await StartAsync(portal, bo));
        Assert.Equal([both, toBo], boInbox.Select(i => i.MessageId));
        // Anna's open is not Bo's.
        Assert.All(boInbox, i => Assert.True(i.Unread));
    }

    [Fact]
    public async Task Opening_records_the_receipt_and_a_second_open_counts_without_moving_the_first()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var anna = NewAddress();
        var id = await SendAsync(client, new { to = new[] { anna }, subject = "Results", body = "Your results are fine." });
        var session = await StartAsync(portal, anna);
        var verifiedAt = clock.GetUtcNow();

        clock.Advance(TimeSpan.FromMinutes(2));
        var opened = await OpenAsync(portal, id, session);
        var firstOpen = clock.GetUtcNow();

        Assert.Equal(RecipientOpenOutcome.Opened, opened.Outcome);
        Assert.NotNull(opened.Message);
        Assert.Equal(("Results", "Your results are fine."), (opened.Message.Subject, opened.Message.Body));
        Assert.StartsWith("sender-", opened.Message.SenderEmail, StringComparison.Ordinal);
        var row = await RecipientRowAsync(portal, id, anna);
        Assert.Equal(verifiedAt, row.VerifiedAt);
        Assert.Equal(firstOpen, row.FirstOpenedAt);
        Assert.Equal(firstOpen, row.LastOpenedAt);
        Assert.Equal(1, row.OpenCount);

        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(RecipientOpenOutcome.Opened, (await OpenAsync(portal, id, session)).Outcome);

        row = await RecipientRowAsync(portal, id, anna);
        Assert.Equal(verifiedAt, row.VerifiedAt);
        Assert.Equal(firstOpen, row.FirstOpenedAt);
        Assert.Equal(clock.GetUtcNow(), row.LastOpenedAt);
        Assert.Equal(2, row.OpenCount);

        // The sender sees the receipt.
        var recipient = RecipientOf(await GetMessageAsync(client, id), anna);
        Assert.Equal(2, recipient.GetProperty("openCount").GetInt32());
        Assert.Equal(firstOpen, recipient.GetProperty("firstOpenedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Parallel_opens_are_all_counted()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var anna = NewAddress();
        var id = await SendAsync(client, Message("Opened in many tabs", anna));
        var session = await StartAsync(portal, anna);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => OpenAsync(portal, id, session))));

        Assert.All(results, r => Assert.Equal(RecipientOpenOutcome.Opened, r.Outcome));
        var row = await RecipientRowAsync(portal, id, anna);
        Assert.Equal(8, row.OpenCount);
        Assert.Equal(clock.GetUtcNow(), row.FirstOpenedAt);
        Assert.Equal(session.CreatedAt, row.VerifiedAt);
    }

    [Fact]
    public async Task Another_addresses_session_cannot_open_the_message_or_its_attachment()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var (anna, bo) = (NewAddress("anna"), NewAddress("bo"));
        var id = await SendWithFilesAsync(client, Message("For Anna", anna), ("report.pdf", SampleFiles.For("report.pdf", 1_000)));
        var attachment = await AttachmentIdAsync(portal, id);
        var boSession = await StartAsync(portal, bo);

        var open = await OpenAsync(portal, id, boSession);
        var download = await OpenAttachmentAsync(portal, attachment, boSession);

        Assert.Equal(new RecipientOpenResult(RecipientOpenOutcome.NotFound), open);
        Assert.Equal(RecipientOpenOutcome.NotFound, download.Outcome);
        Assert.Null(download.Content);
        Assert.Equal(RecipientOpenOutcome.NotFound, (await OpenAsync(portal, Guid.NewGuid(), boSession)).Outcome);
        Assert.Equal(RecipientOpenOutcome.NotFound, await AttachmentOutcomeAsync(portal, Guid.NewGuid(), boSession));
        Assert.Equal(AccessCodeOutcome.NotApplicable, await EnterAccessCodeAsync(portal, id, boSession, "whatever"));
        Assert.Empty(await InboxAsync(portal, boSession));
        var row = await RecipientRowAsync(portal, id, anna);
        Assert.Equal((null, null, 0), (row.VerifiedAt, row.FirstOpenedAt, row.OpenCount));
        Assert.False(await portal.WithDbAsync(db => db.AttachmentDownloads.AnyAsync(d => d.AttachmentId == attachment)));
    }

    [Fact]
    public async Task A_revoked_message_says_when_and_shows_no_content()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var anna = NewAddress();
        var id = await SendWithFilesAsync(client, Message("Revoke me", anna), ("file.txt", SampleFiles.For("file.txt", 100)));
        var attachment = await AttachmentIdAsync(portal, id);
        var session = await StartAsync(portal, anna);
        clock.Advance(TimeSpan.FromMinutes(1));
        using (var revoke = await client.PostAsync($"/api/v1/messages/{id}/revoke", null))
        {
            revoke.EnsureSuccessStatusCode();
        }

        var revokedAt = clock.GetUtcNow();

        Assert.Equal(new RecipientOpenResult(RecipientOpenOutcome.Revoked, null, revokedAt), await OpenAsync(portal, id, session));
        var download = await OpenAttachmentAsync(portal, attachment, session);
        Assert.Equal((RecipientOpenOutcome.Revoked, null, revokedAt), (download.Outcome, download.Content, download.At));
        var item = Assert.Single(await InboxAsync(portal, session));
        Assert.Equal((RecipientMessageState.Revoked, null), (item.State, item.Subject));
        Assert.Equal(0, (await RecipientRowAsync(portal, id, anna)).OpenCount);
    }

    [Fact]
    public async Task A_message_past_its_expiry_or_shredded_is_expired()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var anna = NewAddress();
        var id = await SendWithFilesAsync(client, Message("Expiring", anna), ("file.txt", SampleFiles.For("file.txt", 100)));
        var attachment = await AttachmentIdAsync(portal, id);
        var session = await StartAsync(portal, anna);

        // The expiry passed (set in the database: moving the clock would also wake the expiry job).
        var expiresAt = clock.GetUtcNow().AddSeconds(-1);
        await portal.WithDbAsync(db => db.Messages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.ExpiresAt, expiresAt)));

        Assert.Equal(new RecipientOpenResult(RecipientOpenOutcome.Expired, null, expiresAt), await OpenAsync(portal, id, session));
        Assert.Equal(RecipientOpenOutcome.Expired, await AttachmentOutcomeAsync(portal, attachment, session));
        Assert.Equal(RecipientMessageState.Expired, Assert.Single(await InboxAsync(portal, session)).State);

        clock.Advance(TimeSpan.FromSeconds(30));
        await UseAsync<MessageExpiry, int>(portal, expiry => expiry.ExpireDueAsync());

        Assert.Equal(new RecipientOpenResult(RecipientOpenOutcome.Expired, null, clock.GetUtcNow()), await OpenAsync(portal, id, session));
        var download = await OpenAttachmentAsync(portal, attachment, session);
        Assert.Equal((RecipientOpenOutcome.Expired, null), (download.Outcome, download.Content));
        var item = Assert.Single(await InboxAsync(portal, session));
        Assert.Equal((RecipientMessageState.Expired, null), (item.State, item.Subject));
        Assert.Equal(0, (await RecipientRowAsync(portal, id, anna)).OpenCount);
    }

    [Fact]
    public async Task An_access_code_opens_the_message_only_in_the_session_where_it_was_entered()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var anna = NewAddress();
        var id = await SendWithFilesAsync(client, new { to = new[] { anna }, subject = "Coded", body = "Secret", accessCode = "4711-blue" }, ("file.txt", SampleFiles.For("file.txt", 100)));
        var attachment = await AttachmentIdAsync(portal, id);
        var session = await StartAsync(portal, anna);
        var otherSession = await StartAsync(portal, anna);

        Assert.Equal(new RecipientOpenResult(RecipientOpenOutcome.NeedsAccessCode), await OpenAsync(portal, id, session));
        Assert.Equal(RecipientOpenOutcome.NeedsAccessCode, await AttachmentOutcomeAsync(portal, attachment, session));
        Assert.Equal(AccessCodeOutcome.Wrong, await EnterAccessCodeAsync(portal, id, session, "4711-BLUE"));
        Assert.Equal(RecipientOpenOutcome.NeedsAccessCode, (await OpenAsync(portal, id, session)).Outcome);
        Assert.Equal(0, (await RecipientRowAsync(portal, id, anna)).OpenCount);

        Assert.Equal(AccessCodeOutcome.Unlocked, await EnterAccessCodeAsync(portal, id, session, " 4711-blue "));

        var opened = await OpenAsync(portal, id, session);
        Assert.Equal(RecipientOpenOutcome.Opened, opened.Outcome);
        Assert.Equal("Secret", opened.Message!.Body);
        Assert.Equal(RecipientOpenOutcome.Opened, await AttachmentOutcomeAsync(portal, attachment, session));
        Assert.Equal(RecipientOpenOutcome.NeedsAccessCode, (await OpenAsync(portal, id, otherSession)).Outcome);
        Assert.Equal(RecipientOpenOutcome.NeedsAccessCode, await AttachmentOutcomeAsync(portal, attachment, otherSession));
        // A message without an access code has nothing to enter.
        var plain = await SendAsync(client, Message("Plain", anna));
        Assert.Equal(AccessCodeOutcome.NotApplicable, await EnterAccessCodeAsync(portal, plain, session, "4711-blue"));
    }

    [Fact]
    public async Task Five_wrong_access_codes_lock_the_message_and_then_even_the_right_code_stays_locked()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var anna = NewAddress();
        var id = await SendAsync(client, new { to = new[] { anna }, subject = "Coded", body = "Secret", accessCode = "4711-blue" });
        var session = await StartAsync(portal, anna);

        var outcomes = new List<AccessCodeOutcome>();
        for (var i = 0; i < 5; i++)
        {
            outcomes.Add(await EnterAccessCodeAsync(portal, id, i % 2 == 0 ? session : await StartAsync(portal, anna), $"guess-{i}"));
        }

        Assert.Equal([AccessCodeOutcome.Wrong, AccessCodeOutcome.Wrong, AccessCodeOutcome.Wrong, AccessCodeOutcome.Wrong, AccessCodeOutcome.Locked], outcomes);
        Assert.Equal(AccessCodeOutcome.Locked, await EnterAccessCodeAsync(portal, id, session, "4711-blue"));
        Assert.Equal(AccessCodeOutcome.Locked, await EnterAccessCodeAsync(portal, id, await StartAsync(portal, anna), "4711-blue"));
        Assert.Equal(RecipientOpenOutcome.NeedsAccessCode, (await OpenAsync(portal, id, session)).Outcome);
        Assert.Equal(5, (await RecipientRowAsync(portal, id, anna)).AccessCodeFailures);
        Assert.False(await portal.WithDbAsync(db => db.RecipientSessionUnlocks.AnyAsync(u => u.MessageId == id)));
    }

    [Fact]
    public async Task A_message_that_requires_a_passkey_does_not_open_in_a_code_session()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var anna = NewAddress();
        var id = await SendWithFilesAsync(client, new { to = new[] { anna }, subject = "Passkey only", body = "Secret", requirePasskey = true }, ("file.txt", SampleFiles.For("file.txt", 100)));
        var attachment = await AttachmentIdAsync(portal, id);

        var codeSession = await StartAsync(portal, anna);
        Assert.Equal(new RecipientOpenResult(RecipientOpenOutcome.NeedsPasskey), await OpenAsync(portal, id, codeSession));
        Assert.Equal(RecipientOpenOutcome.NeedsPasskey, await AttachmentOutcomeAsync(portal, attachment, codeSession));
        Assert.Equal(0, (await RecipientRowAsync(portal, id, anna)).OpenCount);

        // A session that claims a passkey without one of the address's registered passkeys behind it opens nothing either.
        var passkeySession = await StartAsync(portal, anna, VerificationMethods.Passkey);
        Assert.Equal(RecipientOpenOutcome.NeedsPasskey, (await OpenAsync(portal, id, passkeySession)).Outcome);
    }

    [Fact]
    public async Task An_attachment_opens_as_its_plaintext_supports_seeking_and_records_the_download()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var anna = NewAddress();
        var content = SampleFiles.For("scan.pdf", 200_000);
        var id = await SendWithFilesAsync(client, Message("Files", anna), ("small.txt", SampleFiles.For("small.txt", 10)), ("scan.pdf", content));
        var session = await StartAsync(portal, anna);
        var opened = await OpenAsync(portal, id, session);
        var view = opened.Message!.Attachments;
        Assert.Equal(["small.txt", "scan.pdf"], view.Select(a => a.Name));
        var attachment = view[1].Id;
        clock.Advance(TimeSpan.FromMinutes(1));

        var result = await OpenAttachmentAsync(portal, attachment, session);

        Assert.Equal(RecipientOpenOutcome.Opened, result.Outcome);
        Assert.NotNull(result.Content);
        Assert.Equal(("scan.pdf", content.LongLength), (result.Content.Name, result.Content.Size));
        await using (var stream = result.Content.Content)
        {
            Assert.Equal(content, await ReadAllAsync(stream));
            Assert.True(stream.CanSeek);
            Assert.Equal(content.LongLength, stream.Length);
            // A range in the middle, across the 64 KiB segment boundary, as a Range request reads it.
            stream.Position = 65_000;
            var range = new byte[2_000];
            await stream.ReadExactlyAsync(range);
            Assert.Equal(content.AsSpan(65_000, 2_000).ToArray(), range);
            stream.Seek(-10, SeekOrigin.End);
            Assert.Equal(content[^10..], await ReadAllAsync(stream));
        }

        var download = Assert.Single(await portal.WithDbAsync(db => db.AttachmentDownloads.AsNoTracking().Where(d => d.AttachmentId == attachment).ToListAsync()));
        Assert.Equal((await RecipientRowAsync(portal, id, anna)).Id, download.RecipientId);
        Assert.Equal(session.Id, download.SessionId);
        Assert.Equal(clock.GetUtcNow(), download.DownloadedAt);
    }

    private static object Message(string subject, params string[] to) => new { to, subject, body = $"Body of {subject}" };

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static Task<RecipientSession> StartAsync(PortalFactory portal, string email, string method = VerificationMethods.Code) =>
        Verification.RecipientSessionsTests.StartAsync(portal, email, method);

    private static Task<IReadOnlyList<InboxItem>> InboxAsync(PortalFactory portal, RecipientSession session) =>
        UseAsync<RecipientMessages, IReadOnlyList<InboxItem>>(portal, m => m.InboxAsync(session));

    private static Task<RecipientOpenResult> OpenAsync(PortalFactory portal, Guid id, RecipientSession session) =>
        UseAsync<RecipientMessages, RecipientOpenResult>(portal, m => m.OpenAsync(id, session));

    private static Task<AccessCodeOutcome> EnterAccessCodeAsync(PortalFactory portal, Guid id, RecipientSession session, string code) =>
        UseAsync<RecipientMessages, AccessCodeOutcome>(portal, m => m.EnterAccessCodeAsync(id, session, code));

    /// <summary>The caller disposes the stream, which outlives the scope as it outlives a request's services.</summary>
    private static Task<RecipientAttachmentResult> OpenAttachmentAsync(PortalFactory portal, Guid attachmentId, RecipientSession session) =>
        UseAsync<RecipientMessages, RecipientAttachmentResult>(portal, m => m.OpenAttachmentAsync(attachmentId, session));

    /// <summary>Only the outcome; a stream opened is closed again.</summary>
    private static async Task<RecipientOpenOutcome> AttachmentOutcomeAsync(PortalFactory portal, Guid attachmentId, RecipientSession session)
    {
        var result = await OpenAttachmentAsync(portal, attachmentId, session);
        if (result.Content is not null)
        {
            await result.Content.Content.DisposeAsync();
        }

        return result.Outcome;
    }

    private static Task<Guid> AttachmentIdAsync(PortalFactory portal, Guid messageId) =>
        portal.WithDbAsync(db => db.Attachments.Where(a => a.MessageId == messageId).Select(a => a.Id).SingleAsync());

    private static Task<MessageRecipient> RecipientRowAsync(PortalFactory portal, Guid messageId, string email)
    {
        var normalized = email.ToUpperInvariant();
        return portal.WithDbAsync(db => db.MessageRecipients.AsNoTracking().SingleAsync(r => r.MessageId == messageId && r.NormalizedEmail == normalized));
    }
}
