using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Audit;
using ConnectidMail.Crypto;
using ConnectidMail.Keys;
using ConnectidMail.Passkeys;
using ConnectidMail.Persistence;
using ConnectidMail.Storage;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.Messaging;

/// <summary>
/// Messages as a verified recipient sees them: only those sent to the session's address, only while neither revoked nor
/// expired, behind the access code and passkey rules the sender set; every open and download is a receipt.
/// </summary>
public sealed class RecipientMessages(
    ConnectidDbContext db,
    KeyStore keys,
    BlobStore blobs,
    RecipientSessions sessions,
    RecipientPasskeys passkeys,
    AuditTrail audit,
    MessageActivity activity,
    TimeProvider clock,
    ILogger<RecipientMessages> logger)
{
    /// <summary>Wrong access codes per recipient of a message before it stays closed (the sender can send again).</summary>
    public const int MaxAccessCodeFailures = 5;

    /// <summary>Every message sent to the session's address, newest first.</summary>
    public async Task<IReadOnlyList<InboxItem>> InboxAsync(RecipientSession session, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var rows = await db.MessageRecipients.AsNoTracking()
            .Where(r => r.NormalizedEmail == session.NormalizedEmail)
            .Join(db.Messages, r => r.MessageId, m => m.Id, (r, m) => new { Recipient = r, Message = m })
            .Join(db.Users, x => x.Message.SenderId, u => u.Id, (x, u) => new { x.Recipient, x.Message, SenderEmail = u.Email })
            .ToListAsync(cancellationToken);

        var items = new List<InboxItem>(rows.Count);
        foreach (var row in rows.OrderByDescending(r => r.Message.CreatedAt))
        {
            var state = StateOf(row.Message, now);
            string? subject = null;
            if (state == RecipientMessageState.Available)
            {
                subject = await keys.UseDataKeyAsync(row.Message.Id, key => ValueCipher.DecryptText(key, row.Message.EncryptedSubject, EncryptionPurpose.Subject, row.Message.Id), cancellationToken);
            }

            items.Add(new InboxItem(row.Message.Id, subject, row.SenderEmail ?? "", row.Message.CreatedAt, row.Recipient.FirstOpenedAt is null, state));
        }

        return items;
    }

    /// <summary>Opens a message for reading and records the receipt; says why not when it cannot be read.</summary>
    public async Task<RecipientOpenResult> OpenAsync(Guid messageId, RecipientSession session, CancellationToken cancellationToken = default)
    {
        var (message, recipient) = await FindAsync(messageId, session, cancellationToken);
        if (message is null || recipient is null)
        {
            return new RecipientOpenResult(RecipientOpenOutcome.NotFound);
        }

        var now = clock.GetUtcNow();
        if (await GateAsync(message, session, now, cancellationToken) is { } closed)
        {
            return closed;
        }

        var view = await keys.UseDataKeyAsync(message.Id, key => new RecipientMessageView(
            message.Id,
            ValueCipher.DecryptText(key, message.EncryptedSubject, EncryptionPurpose.Subject, message.Id),
            ValueCipher.DecryptText(key, message.EncryptedBody, EncryptionPurpose.Body, message.Id),
            "",
            message.CreatedAt,
            message.ExpiresAt,
            [.. message.Attachments.OrderBy(a => a.Position).Select(a => new AttachmentView(
                a.Id, ValueCipher.DecryptText(key, a.EncryptedName, EncryptionPurpose.FileName, a.Id), a.Size))]), cancellationToken);
        if (view is null)
        {
            return new RecipientOpenResult(RecipientOpenOutcome.Expired, At: message.ExpiresAt);
        }

        // One UPDATE, not read-modify-write: opens at the same moment (several tabs) are all counted. The audit event
        // commits with it, or neither does.
        var (recipientId, verifiedAt, verifiedBy) = (recipient.Id, session.CreatedAt, session.Method);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await AuditTrail.LockAsync(db, cancellationToken);
            audit.Record(db, AuditActor.Recipient(recipientId, session.Email), AuditActions.MessageOpened,
                new AuditSubjects(MessageId: message.Id, RecipientId: recipientId), new { verifiedBy });
            await db.SaveChangesAsync(cancellationToken);
            await db.MessageRecipients.Where(r => r.Id == recipientId).ExecuteUpdateAsync(set => set
                .SetProperty(r => r.VerifiedAt, r => r.VerifiedAt ?? verifiedAt)
                .SetProperty(r => r.VerifiedBy, verifiedBy)
                .SetProperty(r => r.FirstOpenedAt, r => r.FirstOpenedAt ?? now)
                .SetProperty(r => r.LastOpenedAt, now)
                .SetProperty(r => r.OpenCount, r => r.OpenCount + 1), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        activity.Changed(message.Id);
        var sender = await db.Users.Where(u => u.Id == message.SenderId).Select(u => u.Email).SingleAsync(cancellationToken);
        logger.LogInformation("Message {MessageId} opened by recipient {RecipientId}", message.Id, recipient.Id);
        return new RecipientOpenResult(RecipientOpenOutcome.Opened, view with { SenderEmail = sender ?? "" });
    }

    /// <summary>Records on the recipient the link pointed to that the address was verified (the sender's "verified") and how, latest first.</summary>
    public async Task MarkVerifiedAsync(Guid recipientId, DateTimeOffset verifiedAt, string method, CancellationToken cancellationToken = default)
    {
        await db.MessageRecipients.Where(r => r.Id == recipientId)
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.VerifiedAt, r => r.VerifiedAt ?? verifiedAt).SetProperty(r => r.VerifiedBy, method), cancellationToken);
        if (await db.MessageRecipients.Where(r => r.Id == recipientId).Select(r => (Guid?)r.MessageId).SingleOrDefaultAsync(cancellationToken) is { } messageId)
        {
            activity.Changed(messageId);
        }
    }

    /// <summary>Checks the access code the sender gave by another channel and unlocks the message for this session.</summary>
    public async Task<AccessCodeOutcome> EnterAccessCodeAsync(Guid messageId, RecipientSession session, string? accessCode, CancellationToken cancellationToken = default)
    {
        var (message, recipient) = await FindAsync(messageId, session, cancellationToken);
        if (message is null || recipient is null || !message.HasAccessCode || StateOf(message, clock.GetUtcNow()) != RecipientMessageState.Available)
        {
            return AccessCodeOutcome.NotApplicable;
        }

        if (recipient.AccessCodeFailures >= MaxAccessCodeFailures)
        {
            return AccessCodeOutcome.Locked;
        }

        var matches = await keys.UseDataKeyAsync(message.Id, key =>
        {
            var expected = ValueCipher.Decrypt(key, message.EncryptedAccessCode!, EncryptionPurpose.AccessCode, ValueCipher.FormatOwnerId(message.Id));
            var typed = Encoding.UTF8.GetBytes((accessCode ?? "").Trim());
            var equal = CryptographicOperations.FixedTimeEquals(expected, typed);
            CryptographicOperations.ZeroMemory(expected);
            return equal;
        }, cancellationToken);
        if (matches)
        {
            await sessions.UnlockAsync(session.Id, message.Id, cancellationToken);
            return AccessCodeOutcome.Unlocked;
        }

        var recipientId = recipient.Id;
        await db.MessageRecipients.Where(r => r.Id == recipientId && r.AccessCodeFailures < MaxAccessCodeFailures)
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.AccessCodeFailures, r => r.AccessCodeFailures + 1), cancellationToken);
        logger.LogWarning("Wrong access code for message {MessageId} by recipient {RecipientId}", message.Id, recipientId);
        var failures = await db.MessageRecipients.Where(r => r.Id == recipientId).Select(r => r.AccessCodeFailures).SingleAsync(cancellationToken);
        return failures >= MaxAccessCodeFailures ? AccessCodeOutcome.Locked : AccessCodeOutcome.Wrong;
    }

    /// <summary>Opens an attachment of a readable message for download and records the download; null when not the recipient's.</summary>
    public async Task<RecipientAttachmentResult> OpenAttachmentAsync(Guid attachmentId, RecipientSession session, CancellationToken cancellationToken = default)
    {
        var messageId = await db.Attachments.Where(a => a.Id == attachmentId).Select(a => (Guid?)a.MessageId).SingleOrDefaultAsync(cancellationToken);
        var (message, recipient) = messageId is null ? (null, null) : await FindAsync(messageId.Value, session, cancellationToken);
        var attachment = message?.Attachments.SingleOrDefault(a => a.Id == attachmentId);
        if (message is null || recipient is null || attachment is null)
        {
            return new RecipientAttachmentResult(RecipientOpenOutcome.NotFound);
        }

        var now = clock.GetUtcNow();
        if (await GateAsync(message, session, now, cancellationToken) is { } closed)
        {
            return new RecipientAttachmentResult(closed.Outcome, At: closed.At);
        }

        if (attachment.BlobName is null)
        {
            return new RecipientAttachmentResult(RecipientOpenOutcome.Expired, At: message.ExpiresAt);
        }

        var content = await keys.UseDataKeyAsync(message.Id, key => AttachmentReader.Open(blobs, key, attachment), cancellationToken);
        if (content is null)
        {
            return new RecipientAttachmentResult(RecipientOpenOutcome.Expired, At: message.ExpiresAt);
        }

        try
        {
            db.AttachmentDownloads.Add(new AttachmentDownload { RecipientId = recipient.Id, AttachmentId = attachment.Id, DownloadedAt = now, SessionId = session.Id });
            audit.Record(db, AuditActor.Recipient(recipient.Id, session.Email), AuditActions.AttachmentDownloaded,
                new AuditSubjects(MessageId: message.Id, RecipientId: recipient.Id, AttachmentId: attachment.Id), new { size = attachment.Size });
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            // No receipt, no file: the download is refused as a whole.
            await content.Content.DisposeAsync();
            throw;
        }

        activity.Changed(message.Id);
        logger.LogInformation("Attachment {AttachmentId} downloaded by recipient {RecipientId}", attachment.Id, recipient.Id);
        return new RecipientAttachmentResult(RecipientOpenOutcome.Opened, content);
    }

    /// <summary>
    /// The message and the session's recipient of it when the recipient may read it now (as <see cref="OpenAsync"/>
    /// decides, without recording an open); otherwise why not, with <see cref="RecipientOpenOutcome.NotFound"/> for
    /// another address's message.
    /// </summary>
    internal async Task<(RecipientOpenOutcome Outcome, Message? Message, MessageRecipient? Recipient)> AccessAsync(
        Guid messageId, RecipientSession session, CancellationToken cancellationToken)
    {
        var (message, recipient) = await FindAsync(messageId, session, cancellationToken);
        if (message is null || recipient is null)
        {
            return (RecipientOpenOutcome.NotFound, null, null);
        }

        return await GateAsync(message, session, clock.GetUtcNow(), cancellationToken) is { } closed
            ? (closed.Outcome, null, null)
            : (RecipientOpenOutcome.Opened, message, recipient);
    }

    private async Task<(Message? Message, MessageRecipient? Recipient)> FindAsync(Guid messageId, RecipientSession session, CancellationToken cancellationToken)
    {
        var message = await db.Messages
            .Include(m => m.Recipients.Where(r => r.NormalizedEmail == session.NormalizedEmail))
            .Include(m => m.Attachments)
            .AsSplitQuery()
            .SingleOrDefaultAsync(m => m.Id == messageId, cancellationToken);
        var recipient = message?.Recipients.FirstOrDefault();
        // Another address's message is answered exactly like a message that does not exist.
        return recipient is null ? (null, null) : (message, recipient);
    }

    /// <summary>Why the message cannot be read now, or null when it can.</summary>
    private async Task<RecipientOpenResult?> GateAsync(Message message, RecipientSession session, DateTimeOffset now, CancellationToken cancellationToken)
    {
        switch (StateOf(message, now))
        {
            case RecipientMessageState.Revoked:
                return new RecipientOpenResult(RecipientOpenOutcome.Revoked, At: message.RevokedAt);
            case RecipientMessageState.Expired:
                return new RecipientOpenResult(RecipientOpenOutcome.Expired, At: message.ContentShreddedAt ?? message.ExpiresAt);
        }

        // The access code first: a passkey added after it is what opens a message that requires both.
        if (message.HasAccessCode && !await sessions.IsUnlockedAsync(session.Id, message.Id, cancellationToken))
        {
            return new RecipientOpenResult(RecipientOpenOutcome.NeedsAccessCode);
        }

        if (message.RequirePasskey && !await passkeys.OpensPasskeyOnlyMessageAsync(session, message.Id, message.CreatedAt, message.HasAccessCode, cancellationToken))
        {
            return new RecipientOpenResult(RecipientOpenOutcome.NeedsPasskey);
        }

        return null;
    }

    private static RecipientMessageState StateOf(Message message, DateTimeOffset now) =>
        message.RevokedAt is not null ? RecipientMessageState.Revoked
        : message.ContentShreddedAt is not null || message.ExpiresAt <= now ? RecipientMessageState.Expired
        : RecipientMessageState.Available;
}

public enum RecipientMessageState
{
    Available,
    Revoked,
    Expired,
}

public sealed record InboxItem(Guid MessageId, string? Subject, string SenderEmail, DateTimeOffset SentAt, bool Unread, RecipientMessageState State);

public enum RecipientOpenOutcome
{
    Opened,
    NotFound,
    Revoked,
    Expired,
    NeedsAccessCode,
    NeedsPasskey,
}

public enum AccessCodeOutcome
{
    Unlocked,
    Wrong,
    Locked,
    NotApplicable,
}

public sealed record RecipientMessageView(
    Guid Id, string Subject, string Body, string SenderEmail, DateTimeOffset SentAt, DateTimeOffset ExpiresAt, IReadOnlyList<AttachmentView> Attachments);

/// <param name="At">For revoked and expired: when.</param>
public sealed record RecipientOpenResult(RecipientOpenOutcome Outcome, RecipientMessageView? Message = null, DateTimeOffset? At = null);

public sealed record RecipientAttachmentResult(RecipientOpenOutcome Outcome, AttachmentContent? Content = null, DateTimeOffset? At = null);
