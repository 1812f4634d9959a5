using ConnectidMail.Mail;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Messaging;

/// <summary>
/// A notification is not sent once its message was revoked or has expired: the revocation withdraws the mails waiting
/// in the outbox itself, and this catches the one a dispatcher held at that moment if its attempt failed and a retry
/// came due (or SMTP stayed down until the message expired).
/// </summary>
internal sealed class NotificationWithdrawal(ConnectidDbContext db, TimeProvider clock) : IOutboxWithdrawal
{
    public const string Revoked = "the message was revoked";
    public const string Expired = "the message expired";

    public async Task<string?> ReasonToWithdrawAsync(string kind, Guid? correlationId, CancellationToken cancellationToken)
    {
        if (kind != NotificationMailComposer.Kind || correlationId is not { } recipientId)
        {
            return null;
        }

        var message = await db.MessageRecipients.AsNoTracking()
            .Where(r => r.Id == recipientId)
            .Join(db.Messages, r => r.MessageId, m => m.Id, (r, m) => new { m.RevokedAt, m.ExpiresAt, m.ContentShreddedAt })
            .SingleOrDefaultAsync(cancellationToken);
        return message switch
        {
            null => null,
            { RevokedAt: not null } => Revoked,
            { ContentShreddedAt: not null } => Expired,
            _ when message.ExpiresAt <= clock.GetUtcNow() => Expired,
            _ => null,
        };
    }
}
