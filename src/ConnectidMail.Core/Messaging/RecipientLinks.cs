using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Messaging;

/// <summary>
/// Finds the recipient a link token belongs to. Only reads: following a link changes nothing, because mail scanners
/// follow links too.
/// </summary>
public sealed class RecipientLinks(ConnectidDbContext db)
{
    /// <summary>The recipient behind <paramref name="token"/>, or null when the token is malformed or unknown.</summary>
    public async Task<RecipientLink?> FindAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (LinkToken.TryHash(token) is not { } hash)
        {
            return null;
        }

        // The first link is on the recipient; later ones (mailed with the sender's answers) lead to the same recipient.
        return await db.MessageRecipients.AsNoTracking()
                .Where(r => r.LinkTokenHash == hash)
                .Select(r => new RecipientLink(r.Id, r.MessageId, r.Email))
                .SingleOrDefaultAsync(cancellationToken)
            ?? await db.RecipientLinkTokens.AsNoTracking()
                .Where(t => t.TokenHash == hash)
                .Join(db.MessageRecipients, t => t.RecipientId, r => r.Id, (t, r) => new RecipientLink(r.Id, r.MessageId, r.Email))
                .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>The recipient with <paramref name="recipientId"/> (from a link already exchanged for a cookie), or null.</summary>
    public Task<RecipientLink?> FindByRecipientAsync(Guid recipientId, CancellationToken cancellationToken = default) =>
        db.MessageRecipients.AsNoTracking()
            .Where(r => r.Id == recipientId)
            .Select(r => new RecipientLink(r.Id, r.MessageId, r.Email))
            .SingleOrDefaultAsync(cancellationToken);
}

/// <summary>The recipient a link points to, and their message.</summary>
public sealed record RecipientLink(Guid RecipientId, Guid MessageId, string Email);
