using ConnectidMail.Mail;
using ConnectidMail.Persistence;

namespace ConnectidMail.Messaging;

/// <summary>Records on the recipient when their notification mail was handed over ("notified") or given up ("deliveryFailed").</summary>
internal sealed class NotificationDeliveryListener(ConnectidDbContext db) : IOutboxDeliveryListener
{
    public async Task MailSentAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken)
    {
        if (await FindRecipientAsync(outcome, cancellationToken) is { } recipient)
        {
            recipient.NotifiedAt ??= outcome.At;
        }
    }

    public async Task MailFailedAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken)
    {
        if (await FindRecipientAsync(outcome, cancellationToken) is { } recipient)
        {
            recipient.DeliveryFailedAt ??= outcome.At;
        }
    }

    private async Task<MessageRecipient?> FindRecipientAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken) =>
        outcome.Kind == NotificationMailComposer.Kind && outcome.CorrelationId is { } id
            ? await db.MessageRecipients.FindAsync([id], cancellationToken)
            : null;
}
