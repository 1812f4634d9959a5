using ConnectidMail.Audit;
using ConnectidMail.Messaging;
using ConnectidMail.Testing;
using ConnectidMail.Verification;
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
}
