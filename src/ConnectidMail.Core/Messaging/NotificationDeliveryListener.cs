using ConnectidMail.Audit;
using ConnectidMail.Mail;
using ConnectidMail.Persistence;

namespace ConnectidMail.Messaging;

/// <summary>
/// Records on the recipient when their notification mail was handed over ("notified") or given up ("deliveryFailed"),
/// with its audit event in the outbox's transaction.
/// </summary>
internal sealed class NotificationDeliveryListener(ConnectidDbContext db, AuditTrail audit) : IOutboxDeliveryListener
{
    public async Task MailSentAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken)
    {
        if (await FindRecipientAsync(outcome, cancellationToken) is { } recipient)
        {
            recipient.NotifiedAt ??= outcome.At;
            Record(AuditActions.NotificationSent, recipient, outcome);
        }
    }

    public async Task MailFailedAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken)
    {
        if (await FindRecipientAsync(outcome, cancellationToken) is { } recipient)
        {
            recipient.DeliveryFailedAt ??= outcome.At;
            Record(AuditActions.NotificationFailed, recipient, outcome);
        }
    }

    // The server's error text stays on the outbox row: it may quote the address or anything else the server chose to say.
    private void Record(string action, MessageRecipient recipient, OutboxDeliveryOutcome outcome) =>
        audit.Record(db, AuditActor.Portal, action, new AuditSubjects(MessageId: recipient.MessageId, RecipientId: recipient.Id, SubjectId: outcome.OutboxMailId.ToString()),
            new { attempts = outcome.Attempts });

    private async Task<MessageRecipient?> FindRecipientAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken) =>
        outcome.Kind == NotificationMailComposer.Kind && outcome.CorrelationId is { } id
            ? await db.MessageRecipients.FindAsync([id], cancellationToken)
            : null;
}
