using ConnectidMail.Audit;
using ConnectidMail.Messaging;
using ConnectidMail.Testing;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Verification.RecipientTestSupport;

namespace ConnectidMail.IntegrationTests.Audit;

/// <summary>
/// The actions the portal's services record in the audit trail, done through the real services on a real database:
/// each event names the right actor and ids, and the chain still verifies afterwards.
/// </summary>
public sealed class RecordedActionsTests
{
    [Fact]
    public async Task Opening_a_message_and_downloading_an_attachment_are_recorded_as_the_recipient()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var anna = NewAddress();
        var id = await SendWithFilesAsync(client, new { to = new[] { anna }, subject = "Results", body = "Fine." }, ("report.pdf", SampleFiles.For("report.pdf", 2_000)));
        var session = await Verification.RecipientSessionsTests.StartAsync(portal, anna);
        var recipientId = await portal.WithDbAsync(db => Task.FromResult(db.MessageRecipients.Single(r => r.MessageId == id).Id));
        var attachmentId = await portal.WithDbAsync(db => Task.FromResult(db.Attachments.Single(a => a.MessageId == id).Id));

        Assert.Equal(RecipientOpenOutcome.Opened, (await UseAsync<RecipientMessages, RecipientOpenResult>(portal, m => m.OpenAsync(id, session))).Outcome);
        Assert.Equal(RecipientOpenOutcome.Opened, (await UseAsync<RecipientMessages, RecipientOpenResult>(portal, m => m.OpenAsync(id, session))).Outcome);
        var download = await UseAsync<RecipientMessages, RecipientAttachmentResult>(portal, m => m.OpenAttachmentAsync(attachmentId, session));
        await download.Content!.Content.DisposeAsync();

        var events = await portal.EventsAsync();
        var opened = events.Where(e => e.Action == AuditActions.MessageOpened).ToList();
        Assert.Equal(2, opened.Count);
        Assert.All(opened, e =>
        {
            Assert.Equal((AuditActorKind.Recipient, recipientId.ToString(), anna), (e.ActorKind, e.ActorId, e.ActorDisplay));
            Assert.Equal((id, recipientId, (Guid?)null), (e.MessageId, e.RecipientId, e.AttachmentId));
            Assert.Equal("""{"verifiedBy":"code"}""", e.Detail);
        });
        var downloaded = Assert.Single(events, e => e.Action == AuditActions.AttachmentDownloaded);
        Assert.Equal((AuditActorKind.Recipient, recipientId.ToString(), anna), (downloaded.ActorKind, downloaded.ActorId, downloaded.ActorDisplay));
        Assert.Equal((id, recipientId, attachmentId), (downloaded.MessageId, downloaded.RecipientId, downloaded.AttachmentId));
        Assert.DoesNotContain("report", downloaded.Detail, StringComparison.Ordinal);
        Assert.True((await portal.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task A_refused_open_or_download_records_nothing()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var (anna, bo) = (NewAddress("anna"), NewAddress("bo"));
        var id = await SendWithFilesAsync(client, new { to = new[] { anna }, subject = "For Anna", body = "Fine." }, ("report.pdf", SampleFiles.For("report.pdf", 2_000)));
        var attachmentId = await portal.WithDbAsync(db => Task.FromResult(db.Attachments.Single(a => a.MessageId == id).Id));
        var boSession = await Verification.RecipientSessionsTests.StartAsync(portal, bo, VerificationMethods.Code);

        Assert.Equal(RecipientOpenOutcome.NotFound, (await UseAsync<RecipientMessages, RecipientOpenResult>(portal, m => m.OpenAsync(id, boSession))).Outcome);
        Assert.Equal(RecipientOpenOutcome.NotFound, (await UseAsync<RecipientMessages, RecipientAttachmentResult>(portal, m => m.OpenAttachmentAsync(attachmentId, boSession))).Outcome);

        Assert.DoesNotContain(await portal.EventsAsync(), e => e.Action is AuditActions.MessageOpened or AuditActions.AttachmentDownloaded);
    }

    [Fact]
    public async Task Notification_mails_sent_and_given_up_are_recorded_as_the_portal()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync(refusesRecipient: address => address.StartsWith("refused-", StringComparison.Ordinal));
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var client = await SenderClientAsync(portal);
        var refused = $"refused-{Guid.NewGuid():N}@example.org";
        var accepted = $"accepted-{Guid.NewGuid():N}@example.org";

        var id = await SendAsync(client, new { to = new[] { refused, accepted }, subject = "Hello", body = "Hi" });
        await WaitForStatusAsync(client, id, refused, RecipientStatus.DeliveryFailed);
        await WaitForStatusAsync(client, id, accepted, RecipientStatus.Notified);

        var recipients = await portal.WithDbAsync(db => Task.FromResult(db.MessageRecipients.Where(r => r.MessageId == id).ToDictionary(r => r.Email, r => r.Id)));
        var outbox = await portal.WithDbAsync(db => Task.FromResult(db.OutboxMails.ToDictionary(m => m.CorrelationId ?? Guid.Empty, m => m.Id)));
        var events = await portal.EventsAsync();
        var sent = Assert.Single(events, e => e.Action == AuditActions.NotificationSent);
        var failed = Assert.Single(events, e => e.Action == AuditActions.NotificationFailed);
        foreach (var (e, email) in new[] { (sent, accepted), (failed, refused) })
        {
            Assert.Equal((AuditActorKind.System, (string?)null, "portal"), (e.ActorKind, e.ActorId, e.ActorDisplay));
            Assert.Equal((id, recipients[email]), (e.MessageId, e.RecipientId));
            Assert.Equal(outbox[recipients[email]].ToString(), e.SubjectId);
            Assert.Equal("""{"attempts":1}""", e.Detail);
        }

        Assert.True((await portal.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task Each_expired_message_is_recorded_once_as_the_portal()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var first = await SendAsync(client, new { to = new[] { NewAddress() }, subject = "One", body = "1" });
        var second = await SendAsync(client, new { to = new[] { NewAddress(), NewAddress("bo") }, subject = "Two", body = "2" });
        var kept = await SendAsync(client, new { to = new[] { NewAddress() }, subject = "Three", body = "3" });
        var past = clock.GetUtcNow().AddSeconds(-1);
        await portal.WithDbAsync(db => db.Messages.Where(m => m.Id == first || m.Id == second).ExecuteUpdateAsync(s => s.SetProperty(m => m.ExpiresAt, past)));

        Assert.Equal(2, await UseAsync<MessageExpiry, int>(portal, e => e.ExpireDueAsync()));
        Assert.Equal(0, await UseAsync<MessageExpiry, int>(portal, e => e.ExpireDueAsync()));

        var expired = (await portal.EventsAsync()).Where(e => e.Action == AuditActions.MessageExpired).ToList();
        Assert.Equal(new[] { first, second }.Order(), expired.Select(e => e.MessageId!.Value).Order());
        Assert.DoesNotContain(expired, e => e.MessageId == kept);
        Assert.All(expired, e =>
        {
            Assert.Equal((AuditActorKind.System, "portal", (Guid?)null), (e.ActorKind, e.ActorDisplay, e.RecipientId));
            Assert.Contains("expiresAt", e.Detail, StringComparison.Ordinal);
        });
        Assert.True((await portal.VerifyAsync()).Valid);
    }
}
