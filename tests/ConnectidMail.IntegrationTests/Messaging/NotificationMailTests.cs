using System.Text.RegularExpressions;
using ConnectidMail.Audit;
using ConnectidMail.Mail;
using ConnectidMail.Messaging;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>
/// Notification mails of messages sent through the API, over a real SMTP conversation with <see cref="SmtpSink"/>. The
/// portals run on a fake clock that moves only when a test moves it, so retries happen exactly when a test says.
/// </summary>
public sealed partial class NotificationMailTests
{
    [Fact]
    public async Task Each_recipient_gets_one_mail_with_text_and_HTML_holding_only_their_link_and_becomes_notified()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var client = await SenderClientAsync(portal);
        var subject = $"Subject {NewMarker()}";
        var body = $"Body {NewMarker()}";
        string[] to = [$"first-{Guid.NewGuid():N}@example.org", $"second-{Guid.NewGuid():N}@example.net"];

        var id = await SendAsync(client, new { to, subject, body });

        foreach (var email in to)
        {
            var mail = await sink.WaitForMessageAsync(m => m.To.Mailboxes.Any(b => b.Address == email));
            Assert.Equal(email, Assert.Single(mail.To.Mailboxes).Address);
            Assert.Equal("multipart/alternative", mail.Body!.ContentType.MimeType);
            Assert.NotNull(mail.TextBody);
            Assert.NotNull(mail.HtmlBody);

            // The link is this recipient's own: its token hashes to the hash stored on their row.
            var token = LinkIn(mail.TextBody);
            Assert.Contains($"{PublicBaseUrl}/r/{token}", mail.HtmlBody, StringComparison.Ordinal);
            var recipient = await portal.WithDbAsync(db => db.MessageRecipients.AsNoTracking().SingleAsync(r => r.MessageId == id && r.Email == email));
            Assert.Equal(recipient.LinkTokenHash, LinkToken.TryHash(token));

            // No content: not the body, and by default not the subject either.
            foreach (var part in new[] { mail.Subject, mail.TextBody, mail.HtmlBody })
            {
                Assert.DoesNotContain(subject, part, StringComparison.Ordinal);
                Assert.DoesNotContain(body, part, StringComparison.Ordinal);
            }

            Assert.Contains(Organisation, mail.Subject, StringComparison.Ordinal);

            // The Message-ID is the one given when the mail was queued, so a repeated attempt is recognisably the same mail.
            var outboxMessageId = await portal.WithDbAsync(db => db.OutboxMails.Where(m => m.CorrelationId == recipient.Id).Select(m => m.MessageId).SingleAsync());
            Assert.Equal(outboxMessageId, mail.MessageId);

            var seen = await WaitForStatusAsync(client, id, email, RecipientStatus.Notified);
            Assert.Equal(System.Text.Json.JsonValueKind.String, seen.GetProperty("notifiedAt").ValueKind);
        }

        Assert.Equal(2, sink.Messages.Count);
        Assert.NotEqual(LinkIn(sink.Messages[0].TextBody), LinkIn(sink.Messages[1].TextBody));
    }

    [Fact]
    public async Task With_SubjectInNotification_the_subject_is_in_the_mail_subject()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(new Dictionary<string, string?>(sink.PortalSettings()) { ["Policy:SubjectInNotification"] = "true" }), NewClock());
        using var client = await SenderClientAsync(portal);
        var subject = $"Subject {NewMarker()}";
        var body = $"Body {NewMarker()}";
        var email = $"someone-{Guid.NewGuid():N}@example.org";

        await SendAsync(client, new { to = new[] { email }, subject, body });

        var mail = await sink.WaitForMessageAsync(m => m.To.Mailboxes.Any(b => b.Address == email));
        Assert.Contains(subject, mail.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain(body, mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(body, mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_SMTP_down_the_message_is_sent_and_its_notification_arrives_once_when_SMTP_is_up_across_restarts()
    {
        await using var sink = SmtpSink.OnFreePort();
        using var data = new TempFolder();
        var settings = SharedDataSettings(data, sink.PortalSettings());
        var clock = NewClock();
        var email = $"someone-{Guid.NewGuid():N}@example.org";
        Guid id;
        string apiKey;
        string messageId;

        using (var first = Portal(settings, clock))
        {
            using var client = await SenderClientAsync(first);
            apiKey = ApiKeyOf(client);
            id = await SendAsync(client, new { to = new[] { email }, subject = "Hello", body = "Hi" });
            var failed = await WaitForOutboxAsync(first, id, m => m.Attempts == 1);
            Assert.Null(failed.SentAt);
            Assert.True(failed.NextAttemptAt - clock.GetUtcNow() <= TimeSpan.FromSeconds(30), $"The first retry is due at {failed.NextAttemptAt:O}.");
            messageId = failed.MessageId;
            Assert.Equal(RecipientStatus.Pending, RecipientOf(await GetMessageAsync(client, id), email).GetProperty("status").GetString());
        }

        // A restart while SMTP is still down; then SMTP comes up on the same port and the retry falls due.
        using (var second = Portal(settings, clock))
        {
            using var client = ClientWithKey(second, apiKey);
            Assert.Equal(RecipientStatus.Pending, RecipientOf(await GetMessageAsync(client, id), email).GetProperty("status").GetString());
            await sink.StartAsync();
            clock.Advance(RetrySchedule.FirstRetryDelay);

            var mail = await sink.WaitForMessageIdAsync(messageId, TimeSpan.FromSeconds(15));
            Assert.Equal(email, Assert.Single(mail.To.Mailboxes).Address);
            var notified = await WaitForStatusAsync(client, id, email, RecipientStatus.Notified);
            Assert.Equal(
                clock.GetUtcNow(),
                DateTimeOffset.Parse(notified.GetProperty("notifiedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        }

        // A further restart sends nothing again; a new message's mail marks a pass of the new portal's dispatcher.
        clock.Advance(TimeSpan.FromHours(2));
        using (var third = Portal(settings, clock))
        {
            using var client = ClientWithKey(third, apiKey);
            var later = await SendAsync(client, new { to = new[] { email }, subject = "Again", body = "Hi" });
            await WaitForStatusAsync(client, later, email, RecipientStatus.Notified);
            Assert.Equal(RecipientStatus.Notified, RecipientOf(await GetMessageAsync(client, id), email).GetProperty("status").GetString());
        }

        Assert.Single(sink.Messages, m => m.MessageId == messageId);
        Assert.Equal(2, sink.Messages.Count);
    }

    [Fact]
    public async Task A_notification_still_waiting_for_SMTP_is_withdrawn_when_its_message_is_revoked_and_never_sent()
    {
        await using var sent = await WaitingNotification.QueueAsync("To the wrong person");
        var (sink, _, portal, client, _, id, waiting) = sent;
        Assert.NotNull(waiting.NextAttemptAt);

        using (var revoke = await client.PostAsync($"/api/v1/messages/{id}/revoke", null))
        {
            revoke.EnsureSuccessStatusCode();
        }

        var withdrawn = await WaitForOutboxAsync(portal, id, m => m.FailedAt is not null);
        Assert.Null(withdrawn.NextAttemptAt);
        Assert.Null(withdrawn.SentAt);
        Assert.Empty(withdrawn.EncryptedContent);
        Assert.Equal("withdrawn: the message was revoked", withdrawn.LastError);
        var revoked = await portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.Action == AuditActions.MessageRevoked && e.MessageId == id));
        Assert.Contains("\"notificationsWithdrawn\":1", revoked.Detail, StringComparison.Ordinal);

        // SMTP comes up and the retry would be due: a later message's notification arrives, the withdrawn one never.
        await sent.RetryWithSmtpUpAsync("To the right person");
        Assert.DoesNotContain(sink.Messages, m => m.MessageId == waiting.MessageId);
        Assert.Single(sink.Messages);
    }

    [Fact]
    public async Task A_notification_a_dispatcher_held_when_its_message_was_revoked_is_withdrawn_before_its_retry()
    {
        await using var sent = await WaitingNotification.QueueAsync("To the wrong person");
        var (sink, clock, portal, client, _, id, waiting) = sent;

        // A dispatcher holds the mail (an attempt on the wire) while the sender revokes: the revocation leaves it alone.
        await portal.WithDbAsync(db => db.OutboxMails.Where(m => m.Id == waiting.Id).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.LockedUntil, clock.GetUtcNow().AddMinutes(10))
            .SetProperty(m => m.LeaseToken, Guid.NewGuid())));
        using (var revoke = await client.PostAsync($"/api/v1/messages/{id}/revoke", null))
        {
            revoke.EnsureSuccessStatusCode();
        }

        var revoked = await portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.Action == AuditActions.MessageRevoked && e.MessageId == id));
        Assert.Contains("\"notificationsWithdrawn\":0", revoked.Detail, StringComparison.Ordinal);
        Assert.Null((await WaitForOutboxAsync(portal, id, _ => true)).FailedAt);

        // That attempt fails and leaves a retry; SMTP comes up and the retry falls due: the mail is withdrawn, not sent.
        await portal.WithDbAsync(db => db.OutboxMails.Where(m => m.Id == waiting.Id).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null)
            .SetProperty(m => m.LeaseToken, (Guid?)null)));
        await sent.RetryWithSmtpUpAsync("To the right person");

        var withdrawn = await WaitForOutboxAsync(portal, id, m => m.FailedAt is not null);
        Assert.Equal("withdrawn: the message was revoked", withdrawn.LastError);
        Assert.Null(withdrawn.SentAt);
        Assert.Null(withdrawn.NextAttemptAt);
        Assert.Empty(withdrawn.EncryptedContent);
        Assert.Equal(1, withdrawn.Attempts);
        Assert.DoesNotContain(sink.Messages, m => m.MessageId == waiting.MessageId);
        Assert.Single(sink.Messages);
    }

    [Fact]
    public async Task A_notification_whose_message_expired_while_SMTP_was_down_is_withdrawn_instead_of_sent()
    {
        await using var sent = await WaitingNotification.QueueAsync("Soon gone");
        var (sink, clock, portal, _, _, id, waiting) = sent;

        // The message's time runs out before the retry (its expiry brought forward rather than waiting days).
        await portal.WithDbAsync(db => db.Messages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.ExpiresAt, clock.GetUtcNow())));
        await sent.RetryWithSmtpUpAsync("Still here");

        var withdrawn = await WaitForOutboxAsync(portal, id, m => m.FailedAt is not null);
        Assert.Equal("withdrawn: the message expired", withdrawn.LastError);
        Assert.Null(withdrawn.SentAt);
        Assert.DoesNotContain(sink.Messages, m => m.MessageId == waiting.MessageId);
    }

    [Fact]
    public async Task A_recipient_the_server_refuses_for_good_ends_as_deliveryFailed_and_the_others_are_notified()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync(refusesRecipient: address => address.StartsWith("refused-", StringComparison.Ordinal));
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var client = await SenderClientAsync(portal);
        var refused = $"refused-{Guid.NewGuid():N}@example.org";
        var accepted = $"accepted-{Guid.NewGuid():N}@example.org";

        var id = await SendAsync(client, new { to = new[] { refused, accepted }, subject = "Hello", body = "Hi" });

        var failed = await WaitForStatusAsync(client, id, refused, RecipientStatus.DeliveryFailed);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, failed.GetProperty("notifiedAt").ValueKind);
        await WaitForStatusAsync(client, id, accepted, RecipientStatus.Notified);
        Assert.DoesNotContain(sink.Messages, m => m.To.Mailboxes.Any(b => b.Address == refused));
        Assert.Single(sink.Messages, m => m.To.Mailboxes.Any(b => b.Address == accepted));
    }

    /// <summary>The token of the one portal link in a mail's text.</summary>
    private static string LinkIn(string? text)
    {
        var match = Assert.Single(LinkPattern().Matches(text ?? ""));
        return match.Groups["token"].Value;
    }

    /// <summary>A message sent while SMTP is down: its notification waits in the outbox with a retry scheduled.</summary>
    private sealed record WaitingNotification(SmtpSink Sink, FakeTimeProvider Clock, PortalFactory Portal, HttpClient Client, string Email, Guid Id, OutboxMail Waiting)
        : IAsyncDisposable
    {
        public static async Task<WaitingNotification> QueueAsync(string subject)
        {
            var sink = SmtpSink.OnFreePort();
            var clock = NewClock();
            var portal = MessagingTestSupport.Portal(Settings(sink.PortalSettings()), clock);
            var client = await SenderClientAsync(portal);
            var email = $"someone-{Guid.NewGuid():N}@example.org";
            var id = await SendAsync(client, new { to = new[] { email }, subject, body = "Hi" });
            return new(sink, clock, portal, client, email, id, await WaitForOutboxAsync(portal, id, m => m.Attempts == 1));
        }

        /// <summary>
        /// SMTP comes up and the waiting mail's retry falls due; returns once a new message to the same address was
        /// notified, so the dispatcher has been through the retry.
        /// </summary>
        public async Task RetryWithSmtpUpAsync(string laterSubject)
        {
            await Sink.StartAsync();
            Clock.Advance(RetrySchedule.FirstRetryDelay);
            var later = await SendAsync(Client, new { to = new[] { Email }, subject = laterSubject, body = "Hi" });
            await WaitForStatusAsync(Client, later, Email, RecipientStatus.Notified);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            Portal.Dispose();
            await Sink.DisposeAsync();
        }
    }

    private static async Task<OutboxMail> WaitForOutboxAsync(PortalFactory portal, Guid messageId, Func<OutboxMail, bool> condition)
    {
        OutboxMail? row = null;
        await WaitForAsync(
            async () =>
            {
                row = await portal.WithDbAsync(db => db.OutboxMails.AsNoTracking()
                    .Where(m => db.MessageRecipients.Any(r => r.MessageId == messageId && r.Id == m.CorrelationId))
                    .SingleAsync());
                return condition(row);
            },
            TimeSpan.FromSeconds(15),
            () => $"Outbox row: attempts {row?.Attempts}, last error '{row?.LastError}'.");
        return row!;
    }

    [GeneratedRegex(@"https://mail\.example\.test/r/(?<token>[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")]
    private static partial Regex LinkPattern();
}
