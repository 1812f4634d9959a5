using ConnectidMail.Audit;
using ConnectidMail.Crypto;
using ConnectidMail.Keys;
using ConnectidMail.Languages;
using ConnectidMail.Mail;
using ConnectidMail.Messaging;
using ConnectidMail.Persistence;
using ConnectidMail.Storage;
using ConnectidMail.Uploads;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Replies;

/// <summary>
/// Threads between a message's sender and each of its recipients: a recipient replies (text and files), the sender
/// answers, both read the thread. A reply and the mail telling the other side are stored in one transaction; a refused
/// reply stores nothing.
/// </summary>
public sealed class ReplyService(
    ConnectidDbContext db,
    KeyStore keys,
    BlobStore blobs,
    RecipientMessages recipientMessages,
    RecipientSessions sessions,
    IMailOutbox outbox,
    ReplyMailComposer mails,
    RecipientLanguages languages,
    AuditTrail audit,
    MessageActivity activity,
    UploadChecks uploadChecks,
    IOptions<PolicyOptions> policy,
    TimeProvider clock,
    ILogger<ReplyService> logger)
{
    public const int MaxBodyLength = 100_000;

    /// <summary>
    /// Starts a reply of the session's recipient to a message they may read now. Throws <see cref="ReplyRefusedException"/>
    /// when they may not. Dispose the draft in every case.
    /// </summary>
    public async Task<ReplyDraft> BeginRecipientReplyAsync(Guid messageId, RecipientSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var (outcome, message, recipient) = await recipientMessages.AccessAsync(messageId, session, cancellationToken);
        if (outcome != RecipientOpenOutcome.Opened || message is null || recipient is null)
        {
            throw Refused(outcome);
        }

        return new ReplyDraft(await DraftAsync(message.Id, cancellationToken), recipient.Id, session.Id, senderId: null, actor: null);
    }

    /// <summary>
    /// Starts the sender's answer in the thread with <paramref name="recipientId"/>; throws <see cref="ReplyRefusedException"/>
    /// when it cannot be written. <paramref name="actor"/> is who answers as the audit trail records it (staff or API key).
    /// </summary>
    public async Task<ReplyDraft> BeginSenderAnswerAsync(Guid messageId, Guid recipientId, string senderId, AuditActor actor, CancellationToken cancellationToken = default)
    {
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == messageId && m.SenderId == senderId, cancellationToken);
        if (message is null || !await db.MessageRecipients.AnyAsync(r => r.Id == recipientId && r.MessageId == messageId, cancellationToken))
        {
            throw Refused(RecipientOpenOutcome.NotFound);
        }

        RequireAvailable(message);
        return new ReplyDraft(await DraftAsync(message.Id, cancellationToken), recipientId, sessionId: null, senderId, actor);
    }

    /// <summary>
    /// Stores the reply with its files and the mail to the other side in one transaction. Throws
    /// <see cref="MessageRejectedException"/> for bad input and <see cref="ReplyRefusedException"/> when the message or
    /// the session ended while the files came in; nothing is stored then.
    /// </summary>
    public async Task<ReplyView> SendAsync(ReplyDraft draft, string? body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var text = (body ?? "").Trim();
        if (text.Length > MaxBodyLength)
        {
            throw MessageRejectedException.ForField("body", $"A reply may have at most {MaxBodyLength} characters.");
        }

        if (text.Length == 0 && draft.Files.Files.Count == 0)
        {
            throw MessageRejectedException.ForField("body", "Write a reply or attach a file.");
        }

        // An upload can take long: the message or the session may have ended meanwhile.
        if (draft.SessionId is { } sessionId && await sessions.ValidateAsync(sessionId, cancellationToken) is null)
        {
            throw Refused(ReplyRefusal.SessionEnded);
        }

        var message = await db.Messages.SingleAsync(m => m.Id == draft.MessageId, cancellationToken);
        RequireAvailable(message);
        var recipient = await db.MessageRecipients.SingleAsync(r => r.Id == draft.RecipientId, cancellationToken);
        var senderEmail = await db.Users.Where(u => u.Id == message.SenderId).Select(u => u.Email).SingleAsync(cancellationToken) ?? "";

        var now = MessageService.StoredTime(clock.GetUtcNow());
        var replyId = Guid.NewGuid();
        var reply = new Reply
        {
            Id = replyId,
            MessageId = message.Id,
            RecipientId = recipient.Id,
            FromSender = draft.FromSender,
            CreatedAt = now,
            EncryptedBody = ValueCipher.EncryptText(draft.Files.DataKey, text, EncryptionPurpose.Reply, replyId),
        };
        for (var i = 0; i < draft.Files.Files.Count; i++)
        {
            var file = draft.Files.Files[i];
            reply.Attachments.Add(new ReplyAttachment
            {
                Id = file.AttachmentId,
                ReplyId = reply.Id,
                Position = i,
                EncryptedName = ValueCipher.EncryptText(draft.Files.DataKey, file.Name, EncryptionPurpose.FileName, file.AttachmentId),
                Size = file.Size,
                BlobName = file.Blob.Value,
            });
        }

        if (draft.FromSender)
        {
            var (token, hash) = LinkToken.Create();
            db.RecipientLinkTokens.Add(new RecipientLinkToken { RecipientId = recipient.Id, TokenHash = hash, CreatedAt = now });
            outbox.Enqueue(mails.ComposeForRecipient(recipient, token, senderEmail, await languages.ForAddressAsync(recipient.Email, cancellationToken)));
        }
        else
        {
            recipient.RepliedAt = now;
            outbox.Enqueue(mails.ComposeForSender(senderEmail, message.Id, reply.Id));
        }

        audit.Record(
            db,
            draft.Actor ?? AuditActor.Recipient(recipient.Id, recipient.Email),
            AuditActions.ReplySent,
            new AuditSubjects(MessageId: message.Id, RecipientId: recipient.Id, SubjectId: reply.Id.ToString()),
            new { author = draft.FromSender ? ReplyAuthors.Sender : ReplyAuthors.Recipient, files = reply.Attachments.Count, bytes = draft.Files.TotalBytes });
        var view = ReplyThreads.ToViews([reply], draft.Files.DataKey, new Dictionary<Guid, string> { [recipient.Id] = recipient.Email }, senderEmail)[0];
        db.Replies.Add(reply);
        await SaveNumberedAsync(reply, cancellationToken);
        draft.Files.MarkSent();
        activity.Changed(message.Id);
        logger.LogInformation(
            "Reply {ReplyId} on message {MessageId} in the thread of recipient {RecipientId} by the {Author} with {Files} file(s)",
            reply.Id, message.Id, recipient.Id, draft.FromSender ? ReplyAuthors.Sender : ReplyAuthors.Recipient, reply.Attachments.Count);
        return view;
    }

    /// <summary>The session's thread on a message they may read now, oldest first; null when they may not read it.</summary>
    public async Task<IReadOnlyList<ReplyView>?> RecipientThreadAsync(Guid messageId, RecipientSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var (outcome, message, recipient) = await recipientMessages.AccessAsync(messageId, session, cancellationToken);
        if (outcome != RecipientOpenOutcome.Opened || message is null || recipient is null)
        {
            return null;
        }

        var replies = await ReplyThreads.LoadAsync(db, message.Id, recipient.Id, cancellationToken);
        var senderEmail = await db.Users.Where(u => u.Id == message.SenderId).Select(u => u.Email).SingleAsync(cancellationToken) ?? "";
        var emails = new Dictionary<Guid, string> { [recipient.Id] = recipient.Email };
        return await keys.UseDataKeyAsync(message.Id, key => ReplyThreads.ToViews(replies, key, emails, senderEmail), cancellationToken);
    }

    /// <summary>
    /// Opens a file of a reply on one of the sender's messages. Null when there is none or it is someone else's; throws
    /// <see cref="MessageUnavailableException"/> once the message was revoked or expired.
    /// </summary>
    public async Task<AttachmentContent?> OpenAttachmentForSenderAsync(Guid attachmentId, string senderId, CancellationToken cancellationToken = default)
    {
        var found = await FindAttachmentAsync(attachmentId, cancellationToken);
        if (found is null || found.Value.Message.SenderId != senderId)
        {
            return null;
        }

        var (file, message) = found.Value;
        RequireServable(message, file);
        return await keys.UseDataKeyAsync(message.Id, key => AttachmentReader.Open(blobs, key, file.Id, file.EncryptedName, file.Size, file.BlobName), cancellationToken)
            ?? throw new MessageUnavailableException(RecipientStatus.Expired);
    }

    /// <summary>Opens a file of the session's own thread on a message they may read now.</summary>
    public async Task<RecipientAttachmentResult> OpenAttachmentForRecipientAsync(Guid attachmentId, RecipientSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var found = await FindAttachmentAsync(attachmentId, cancellationToken);
        if (found is null)
        {
            return new RecipientAttachmentResult(RecipientOpenOutcome.NotFound);
        }

        var (file, message) = found.Value;
        var threadOf = await db.Replies.Where(r => r.Id == file.ReplyId).Select(r => r.RecipientId).SingleAsync(cancellationToken);
        if (!await db.MessageRecipients.AnyAsync(r => r.Id == threadOf && r.NormalizedEmail == session.NormalizedEmail, cancellationToken))
        {
            // Another recipient's thread answers exactly like a file that does not exist.
            return new RecipientAttachmentResult(RecipientOpenOutcome.NotFound);
        }

        var (outcome, _, _) = await recipientMessages.AccessAsync(message.Id, session, cancellationToken);
        if (outcome != RecipientOpenOutcome.Opened)
        {
            return new RecipientAttachmentResult(outcome, At: outcome == RecipientOpenOutcome.Revoked ? message.RevokedAt : message.ExpiresAt);
        }

        var content = file.BlobName is null
            ? null
            : await keys.UseDataKeyAsync(message.Id, key => AttachmentReader.Open(blobs, key, file.Id, file.EncryptedName, file.Size, file.BlobName), cancellationToken);
        return content is null
            ? new RecipientAttachmentResult(RecipientOpenOutcome.Expired, At: message.ExpiresAt)
            : new RecipientAttachmentResult(RecipientOpenOutcome.Opened, content);
    }

    /// <summary>
    /// Saves the reply as the next entry of its thread. Both sides may write at the same moment: the unique number
    /// refuses the second, which takes the next number and saves again.
    /// </summary>
    private async Task SaveNumberedAsync(Reply reply, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            reply.Number = await db.Replies.Where(r => r.RecipientId == reply.RecipientId).MaxAsync(r => (int?)r.Number, cancellationToken) + 1 ?? 1;
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                logger.LogInformation("Reply {ReplyId} met another entry of its thread; numbering it again", reply.Id);
            }
        }
    }

    private async Task<(ReplyAttachment File, Message Message)?> FindAttachmentAsync(Guid attachmentId, CancellationToken cancellationToken)
    {
        var found = await db.ReplyAttachments.AsNoTracking()
            .Where(a => a.Id == attachmentId)
            .Join(db.Replies, a => a.ReplyId, r => r.Id, (a, r) => new { File = a, r.MessageId })
            .Join(db.Messages, x => x.MessageId, m => m.Id, (x, m) => new { x.File, Message = m })
            .SingleOrDefaultAsync(cancellationToken);
        return found is null ? null : (found.File, found.Message);
    }

    /// <summary>A draft on the message's own data key, through the message file intake.</summary>
    private async Task<MessageDraft> DraftAsync(Guid messageId, CancellationToken cancellationToken)
    {
        byte[] dataKey;
        try
        {
            dataKey = await keys.GetDataKeyAsync(messageId, cancellationToken);
        }
        catch (DataKeyNotFoundException)
        {
            throw Refused(ReplyRefusal.Expired);
        }

        return new MessageDraft(messageId, dataKey, blobs, keys, policy.Value, uploadChecks);
    }

    private void RequireAvailable(Message message)
    {
        if (message.RevokedAt is not null)
        {
            throw Refused(ReplyRefusal.Revoked);
        }

        if (message.ContentShreddedAt is not null || message.ExpiresAt <= clock.GetUtcNow())
        {
            throw Refused(ReplyRefusal.Expired);
        }
    }

    private void RequireServable(Message message, ReplyAttachment file)
    {
        if (message.RevokedAt is not null)
        {
            throw new MessageUnavailableException(RecipientStatus.Revoked);
        }

        if (message.ContentShreddedAt is not null || message.ExpiresAt <= clock.GetUtcNow() || file.BlobName is null)
        {
            throw new MessageUnavailableException(RecipientStatus.Expired);
        }
    }

    private static ReplyRefusedException Refused(RecipientOpenOutcome outcome) => Refused(outcome switch
    {
        RecipientOpenOutcome.Revoked => ReplyRefusal.Revoked,
        RecipientOpenOutcome.Expired => ReplyRefusal.Expired,
        RecipientOpenOutcome.NeedsAccessCode or RecipientOpenOutcome.NeedsPasskey => ReplyRefusal.Locked,
        _ => ReplyRefusal.NotFound,
    });

    private static ReplyRefusedException Refused(ReplyRefusal reason) => new(reason, reason switch
    {
        ReplyRefusal.Revoked => "The sender withdrew this message; replies are no longer accepted.",
        ReplyRefusal.Expired => "The message has expired; replies are no longer accepted.",
        ReplyRefusal.Locked => "Open the message first (it needs its access code or a passkey).",
        ReplyRefusal.SessionEnded => "Your session has ended. Open the link in the notification mail to sign in again; nothing was sent.",
        _ => "There is no such message or conversation, or it is not yours.",
    });
}
