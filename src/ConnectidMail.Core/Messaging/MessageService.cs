using System.Net.Mail;
using System.Security.Cryptography;
using ConnectidMail.Audit;
using ConnectidMail.Crypto;
using ConnectidMail.Keys;
using ConnectidMail.Languages;
using ConnectidMail.Mail;
using ConnectidMail.Persistence;
using ConnectidMail.Replies;
using ConnectidMail.Storage;
using ConnectidMail.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Messaging;

/// <summary>Sending, reading, listing and revoking messages as their sender.</summary>
public sealed class MessageService(
    ConnectidDbContext db,
    KeyStore keys,
    BlobStore blobs,
    IMailOutbox outbox,
    NotificationMailComposer notifications,
    RecipientLanguages languages,
    IOptions<PolicyOptions> policy,
    UploadChecks uploadChecks,
    AuditTrail audit,
    TimeProvider clock,
    ILogger<MessageService> logger)
{
    public const int MaxSubjectLength = 200;
    public const int MaxBodyLength = 100_000;
    public const int MinAccessCodeLength = 4;
    public const int MaxAccessCodeLength = 64;
    public const int MaxPageSize = 100;

    /// <summary>Starts a message: files can be added to the draft before <see cref="SendAsync"/>. Dispose the draft in every case.</summary>
    public async Task<MessageDraft> BeginAsync(CancellationToken cancellationToken = default)
    {
        var id = Guid.NewGuid();
        var dataKey = await keys.CreateDataKeyAsync(id, cancellationToken);
        return new MessageDraft(id, dataKey, blobs, keys, policy.Value, uploadChecks);
    }

    /// <summary>
    /// Checks the request and stores the message, its recipients, attachments, data key and one notification mail per
    /// recipient in one transaction. Throws <see cref="MessageRejectedException"/> and stores nothing when the input is bad.
    /// </summary>
    public async Task<MessageView> SendAsync(MessageDraft draft, MessageRequest request, SenderIdentity sender, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(sender);
        var now = StoredTime(clock.GetUtcNow());
        var valid = Validate(request, now);

        var message = new Message
        {
            Id = draft.MessageId,
            SenderId = sender.UserId,
            CreatedAt = now,
            ExpiresAt = valid.ExpiresAt,
            RequirePasskey = request.RequirePasskey ?? false,
            EncryptedSubject = ValueCipher.EncryptText(draft.DataKey, valid.Subject, EncryptionPurpose.Subject, draft.MessageId),
            EncryptedBody = ValueCipher.EncryptText(draft.DataKey, valid.Body, EncryptionPurpose.Body, draft.MessageId),
            EncryptedAccessCode = valid.AccessCode is null
                ? null
                : ValueCipher.EncryptText(draft.DataKey, valid.AccessCode, EncryptionPurpose.AccessCode, draft.MessageId),
            HasAccessCode = valid.AccessCode is not null,
        };

        for (var i = 0; i < draft.Files.Count; i++)
        {
            var file = draft.Files[i];
            message.Attachments.Add(new Attachment
            {
                Id = file.AttachmentId,
                MessageId = message.Id,
                Position = i,
                EncryptedName = ValueCipher.EncryptText(draft.DataKey, file.Name, EncryptionPurpose.FileName, file.AttachmentId),
                Size = file.Size,
                BlobName = file.Blob.Value,
                CreatedAt = now,
            });
        }

        var locales = await languages.ForAddressesAsync(valid.Recipients, cancellationToken);
        for (var i = 0; i < valid.Recipients.Count; i++)
        {
            var email = valid.Recipients[i];
            var (token, hash) = LinkToken.Create();
            var recipient = new MessageRecipient
            {
                Id = Guid.NewGuid(),
                MessageId = message.Id,
                Position = i,
                Email = email,
                NormalizedEmail = email.ToUpperInvariant(),
                LinkTokenHash = hash,
            };
            message.Recipients.Add(recipient);
            outbox.Enqueue(notifications.Compose(recipient, token, sender, valid.Subject, message.ExpiresAt, locales[email]));
        }

        db.Messages.Add(message);
        var actor = AuditActor.Staff(sender.UserId, sender.Email);
        audit.Record(db, actor, AuditActions.MessageCreated, new AuditSubjects(MessageId: message.Id), new
        {
            recipients = message.Recipients.Count,
            files = message.Attachments.Count,
            expiresAt = AuditHashing.FormatTime(message.ExpiresAt),
            accessCode = valid.AccessCode is not null,
            requirePasskey = request.RequirePasskey,
        });
        foreach (var recipient in message.Recipients)
        {
            audit.Record(db, actor, AuditActions.MessageSent, new AuditSubjects(MessageId: message.Id, RecipientId: recipient.Id), new { to = recipient.Email });
        }

        await db.SaveChangesAsync(cancellationToken);
        draft.MarkSent();
        logger.LogInformation(
            "Message {MessageId} sent by {SenderId} to {Count} recipient(s) with {Files} file(s)",
            message.Id, sender.UserId, message.Recipients.Count, message.Attachments.Count);
        return ToView(message, valid.Subject, valid.Body, draft.DataKey, now, NoDownloads, []);
    }

    /// <summary>The sender's message, or null when it does not exist or belongs to someone else.</summary>
    public async Task<MessageView?> GetAsync(Guid id, string senderId, CancellationToken cancellationToken = default)
    {
        var message = await LoadAsync(id, senderId, tracking: false, cancellationToken);
        return message is null ? null : await ToViewAsync(message, cancellationToken);
    }

    /// <summary>The sender's messages, newest first.</summary>
    public async Task<MessagePage> ListAsync(string senderId, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        var now = clock.GetUtcNow();
        var query = db.Messages.AsNoTracking().Where(m => m.SenderId == senderId);
        var total = await query.CountAsync(cancellationToken);
        var messages = await query
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Include(m => m.Recipients)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);
        var ids = messages.Select(m => m.Id).ToList();
        var attachmentCounts = await db.Attachments.Where(a => ids.Contains(a.MessageId))
            .GroupBy(a => a.MessageId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);

        var items = new List<MessageSummary>(messages.Count);
        foreach (var message in messages)
        {
            var subject = message.EncryptedSubject is not { } encryptedSubject
                ? null
                : await keys.UseDataKeyAsync(
                    message.Id, key => ValueCipher.DecryptText(key, encryptedSubject, EncryptionPurpose.Subject, message.Id), cancellationToken);
            items.Add(new MessageSummary(
                message.Id,
                subject,
                message.CreatedAt,
                message.ExpiresAt,
                message.RevokedAt,
                [.. message.Recipients.OrderBy(r => r.Position).Select(r => new RecipientSummary(r.Email, RecipientStatus.Of(message, r, now)))],
                attachmentCounts.GetValueOrDefault(message.Id)));
        }

        return new MessagePage(items, page, pageSize, total);
    }

    /// <summary>
    /// Withdraws the message: recipients can no longer read it and its files are no longer served. Revoking again
    /// changes nothing. Null when the sender has no such message.
    /// </summary>
    public async Task<MessageView?> RevokeAsync(Guid id, string senderId, CancellationToken cancellationToken = default)
    {
        var message = await LoadAsync(id, senderId, tracking: true, cancellationToken);
        if (message is null)
        {
            return null;
        }

        if (message.RevokedAt is null)
        {
            // The withdrawal of waiting notifications and the revocation (with its event) commit together.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await AuditTrail.LockAsync(db, cancellationToken);
            message.RevokedAt = StoredTime(clock.GetUtcNow());
            var withdrawn = await WithdrawPendingNotificationsAsync(id, message.RevokedAt.Value, cancellationToken);
            var sender = await db.Users.Where(u => u.Id == senderId).Select(u => u.Email).SingleOrDefaultAsync(cancellationToken);
            audit.Record(db, AuditActor.Staff(senderId, sender ?? senderId), AuditActions.MessageRevoked, new AuditSubjects(MessageId: id),
                new { notificationsWithdrawn = withdrawn });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Message {MessageId} revoked by {SenderId}", id, senderId);
        }

        return await ToViewAsync(message, cancellationToken);
    }

    /// <summary>
    /// Notification mails of the message still waiting in the outbox (SMTP down, a retry due) are given up with the
    /// revocation and their content shredded: a recipient is not told of a message that was withdrawn. A mail a
    /// dispatcher holds at this moment may be on its way and is left to it; should that attempt fail, the dispatcher
    /// withdraws it before its retry (<see cref="NotificationWithdrawal"/>).
    /// </summary>
    private Task<int> WithdrawPendingNotificationsAsync(Guid messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        // One conditional update: a dispatcher's claim (OutboxStore) sets the lease under the opposite condition, so
        // a mail is either claimed or withdrawn, never both; the lease fields are cleared so that a late outcome of an
        // expired claim cannot reschedule it.
        db.OutboxMails
            .Where(m => m.Kind == NotificationMailComposer.Kind && m.SentAt == null && m.FailedAt == null
                && (m.LockedUntil == null || m.LockedUntil <= now)
                && db.MessageRecipients.Any(r => r.MessageId == messageId && r.Id == m.CorrelationId))
            .ExecuteUpdateAsync(s => OutboxStore.GiveUp(s, now, OutboxStore.Withdrawn(NotificationWithdrawal.Revoked)), cancellationToken);

    /// <summary>
    /// Opens one of the sender's attachments for download. Null when it does not exist or is someone else's; throws
    /// <see cref="MessageUnavailableException"/> once the message was revoked or expired.
    /// </summary>
    public async Task<AttachmentContent?> OpenAttachmentAsync(Guid attachmentId, string senderId, CancellationToken cancellationToken = default)
    {
        var found = await db.Attachments.AsNoTracking()
            .Where(a => a.Id == attachmentId)
            .Join(db.Messages.Where(m => m.SenderId == senderId), a => a.MessageId, m => m.Id, (a, m) => new { Attachment = a, Message = m })
            .SingleOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return null;
        }

        var (attachment, message) = (found.Attachment, found.Message);
        if (message.RevokedAt is not null)
        {
            throw new MessageUnavailableException(RecipientStatus.Revoked);
        }

        if (message.ContentShreddedAt is not null || message.ExpiresAt <= clock.GetUtcNow() || attachment.BlobName is null)
        {
            throw new MessageUnavailableException(RecipientStatus.Expired);
        }

        return await keys.UseDataKeyAsync(message.Id, key => AttachmentReader.Open(blobs, key, attachment), cancellationToken)
            ?? throw new MessageUnavailableException(RecipientStatus.Expired);
    }

    private Task<Message?> LoadAsync(Guid id, string senderId, bool tracking, CancellationToken cancellationToken)
    {
        var query = tracking ? db.Messages : db.Messages.AsNoTracking();
        return query
            .Include(m => m.Recipients)
            .Include(m => m.Attachments)
            .AsSplitQuery()
            .SingleOrDefaultAsync(m => m.Id == id && m.SenderId == senderId, cancellationToken);
    }

    private async Task<MessageView> ToViewAsync(Message message, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // Few rows per message: aggregated here, where every provider agrees on times.
        var recipientIds = message.Recipients.Select(r => r.Id).ToList();
        var downloads = (await db.AttachmentDownloads.AsNoTracking()
                .Where(d => recipientIds.Contains(d.RecipientId))
                .Select(d => new { d.RecipientId, d.DownloadedAt })
                .ToListAsync(cancellationToken))
            .GroupBy(d => d.RecipientId)
            .ToDictionary(g => g.Key, g => (Count: g.Count(), Last: (DateTimeOffset?)g.Max(d => d.DownloadedAt)));
        var replies = await ReplyThreads.LoadAsync(db, message.Id, recipientId: null, cancellationToken);
        var senderEmail = await db.Users.Where(u => u.Id == message.SenderId).Select(u => u.Email).SingleOrDefaultAsync(cancellationToken) ?? "";
        var recipientEmails = message.Recipients.ToDictionary(r => r.Id, r => r.Email);
        if (message.ContentShreddedAt is not null)
        {
            return ToView(message, null, null, default, now, downloads, ReplyThreads.ToViews(replies, default, recipientEmails, senderEmail));
        }

        var dataKey = await keys.GetDataKeyAsync(message.Id, cancellationToken);
        try
        {
            return ToView(
                message,
                ValueCipher.DecryptText(dataKey, message.EncryptedSubject, EncryptionPurpose.Subject, message.Id),
                ValueCipher.DecryptText(dataKey, message.EncryptedBody, EncryptionPurpose.Body, message.Id),
                dataKey,
                now,
                downloads,
                ReplyThreads.ToViews(replies, dataKey, recipientEmails, senderEmail));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private static readonly Dictionary<Guid, (int Count, DateTimeOffset? Last)> NoDownloads = [];

    private static MessageView ToView(
        Message message,
        string? subject,
        string? body,
        ReadOnlySpan<byte> dataKey,
        DateTimeOffset now,
        Dictionary<Guid, (int Count, DateTimeOffset? Last)> downloads,
        IReadOnlyList<ReplyView> replies)
    {
        var attachments = new List<AttachmentView>(message.Attachments.Count);
        foreach (var attachment in message.Attachments.OrderBy(a => a.Position))
        {
            var name = dataKey.IsEmpty ? null : ValueCipher.DecryptText(dataKey, attachment.EncryptedName, EncryptionPurpose.FileName, attachment.Id);
            attachments.Add(new AttachmentView(attachment.Id, name, attachment.Size));
        }

        return new MessageView(
            message.Id,
            subject,
            body,
            message.CreatedAt,
            message.ExpiresAt,
            message.RequirePasskey,
            message.HasAccessCode,
            message.RevokedAt,
            message.ContentShreddedAt,
            [.. message.Recipients.OrderBy(r => r.Position).Select(r => new RecipientView(
                r.Id,
                r.Email, RecipientStatus.Of(message, r, now), r.NotifiedAt, r.DeliveryFailedAt, r.VerifiedAt, r.VerifiedBy,
                r.FirstOpenedAt, r.LastOpenedAt, r.OpenCount, r.RepliedAt,
                downloads.GetValueOrDefault(r.Id).Count, downloads.GetValueOrDefault(r.Id).Last))],
            attachments,
            replies);
    }

    private ValidRequest Validate(MessageRequest request, DateTimeOffset now)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        var recipients = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in request.To ?? [])
        {
            var address = entry?.Trim() ?? "";
            if (!IsPlainAddress(address))
            {
                Add("to", address.Length == 0 ? "A recipient address is empty." : $"'{Shorten(address)}' is not a valid e-mail address.");
            }
            else if (seen.Add(address))
            {
                recipients.Add(address);
            }
        }

        if (recipients.Count == 0 && !errors.ContainsKey("to"))
        {
            Add("to", "Give at least one recipient.");
        }
        else if (recipients.Count > policy.Value.MaxRecipients)
        {
            Add("to", $"A message may have at most {policy.Value.MaxRecipients} recipients.");
        }

        var subject = request.Subject?.Trim() ?? "";
        if (subject.Length == 0)
        {
            Add("subject", "Give a subject.");
        }
        else if (subject.Length > MaxSubjectLength)
        {
            Add("subject", $"The subject may have at most {MaxSubjectLength} characters.");
        }
        else if (subject.Any(char.IsControl))
        {
            Add("subject", "The subject must be a single line.");
        }

        var body = request.Body ?? "";
        if (body.Length > MaxBodyLength)
        {
            Add("body", $"The message may have at most {MaxBodyLength} characters.");
        }

        var expiresAt = StoredTime(request.ExpiresAt ?? now.AddDays(policy.Value.DefaultExpiryDays));
        if (expiresAt <= now)
        {
            Add("expiresAt", "The expiry must lie in the future.");
        }
        else if (expiresAt > now.AddDays(policy.Value.MaxExpiryDays))
        {
            Add("expiresAt", $"The expiry may be at most {policy.Value.MaxExpiryDays} days ahead.");
        }

        var accessCode = string.IsNullOrWhiteSpace(request.AccessCode) ? null : request.AccessCode.Trim();
        if (accessCode is not null && (accessCode.Length is < MinAccessCodeLength or > MaxAccessCodeLength || accessCode.Any(char.IsControl)))
        {
            Add("accessCode", $"The access code must have {MinAccessCodeLength} to {MaxAccessCodeLength} characters on one line.");
        }

        if (errors.Count > 0)
        {
            throw new MessageRejectedException(
                "The message was not sent: some fields need attention.",
                errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }

        return new ValidRequest(recipients, subject, body, expiresAt, accessCode);
    }

    /// <summary>A bare address (no display name) with a dotted domain, as a recipient can be mailed at.</summary>
    internal static bool IsPlainAddress(string address) =>
        address.Length is > 0 and <= MessageRecipient.MaxEmailLength
        && !address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
        && MailAddress.TryCreate(address, out var parsed)
        && parsed.Address == address
        && parsed.Host.Contains('.', StringComparison.Ordinal)
        && !parsed.Host.StartsWith('[')
        && !parsed.Host.EndsWith('.');

    /// <summary>
    /// A time as every database keeps it: UTC, whole milliseconds (SQLite's binary form keeps 100 µs, PostgreSQL 1 µs),
    /// so the answer to a send or revoke shows the same times as every later read.
    /// </summary>
    internal static DateTimeOffset StoredTime(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private sealed record ValidRequest(List<string> Recipients, string Subject, string Body, DateTimeOffset ExpiresAt, string? AccessCode);
}

/// <summary>The message was revoked or expired, so its content is no longer served.</summary>
public sealed class MessageUnavailableException(string reason)
    : Exception(reason == RecipientStatus.Revoked ? "The message was withdrawn by the sender." : "The message has expired.")
{
    /// <summary><see cref="RecipientStatus.Revoked"/> or <see cref="RecipientStatus.Expired"/>.</summary>
    public string Reason { get; } = reason;
}
