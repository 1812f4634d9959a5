using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Audit;

/// <summary>An event as auditors see it: everything it holds, its hashes included, so each can be checked.</summary>
public sealed record AuditEventView(
    long Sequence,
    Guid Id,
    DateTimeOffset At,
    AuditActorView Actor,
    string Action,
    Guid? MessageId,
    Guid? RecipientId,
    Guid? AttachmentId,
    string? SubjectId,
    string? IpAddress,
    string? UserAgent,
    string? Detail,
    string PreviousHash,
    string Hash);

public sealed record AuditActorView(string Kind, string? Id, string Display);

public sealed record AuditEventPage(IReadOnlyList<AuditEventView> Items, int Page, int PageSize, int Total);

/// <summary>
/// What an auditor looks for; every part is optional and all given parts must hold. <see cref="Recipient"/> and
/// <see cref="Sender"/> are e-mail addresses, compared without regard to case; <see cref="From"/> and <see cref="To"/> are
/// inclusive.
/// </summary>
public sealed record AuditQuery(
    Guid? MessageId = null, string? Recipient = null, string? Sender = null, string? Action = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>Finds events for auditors, in chain order (by sequence, oldest first), a page at a time.</summary>
public sealed class AuditSearch(ConnectidDbContext db)
{
    public const int MaxPageSize = 100;

    /// <summary>Why the query cannot be run, or null when it can (an unknown action, a range that ends before it starts).</summary>
    public static string? Problem(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Action is { } action && !AuditActions.All.Contains(action))
        {
            return $"'{action}' is not an audit action. Known actions: {string.Join(", ", AuditActions.All)}.";
        }

        return query.From > query.To ? "The time range ends before it starts: 'from' is after 'to'." : null;
    }

    public async Task<AuditEventPage> FindAsync(AuditQuery query, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var events = db.AuditEvents.AsNoTracking();
        if (query.MessageId is { } message)
        {
            events = events.Where(e => e.MessageId == message);
        }

        if (Normalized(query.Recipient) is { } recipient)
        {
            // Events about the address's message recipients, and what the address did before a link named one (codes, consent).
            var recipientIds = db.MessageRecipients.Where(r => r.NormalizedEmail == recipient).Select(r => (Guid?)r.Id);
            events = events.Where(e => recipientIds.Contains(e.RecipientId)
                || (e.ActorKind == AuditActorKind.Recipient && e.ActorDisplay.ToUpper() == recipient));
        }

        if (Normalized(query.Sender) is { } sender)
        {
            // Events about the messages the staff member sent, and what they did themselves, in the portal or with their API keys.
            var senderIds = db.Users.Where(u => u.NormalizedEmail == sender).Select(u => u.Id);
            var messageIds = db.Messages.Where(m => senderIds.Contains(m.SenderId)).Select(m => (Guid?)m.Id);
            events = events.Where(e => messageIds.Contains(e.MessageId)
                || (e.ActorKind == AuditActorKind.Staff && senderIds.Contains(e.ActorId))
                || (e.ActorKind == AuditActorKind.ApiKey && e.ActorDisplay.ToUpper() == sender));
        }

        if (query.Action is { Length: > 0 } action)
        {
            events = events.Where(e => e.Action == action);
        }

        if (query.From is { } start)
        {
            events = events.Where(e => e.At >= start);
        }

        if (query.To is { } end)
        {
            events = events.Where(e => e.At <= end);
        }

        var total = await events.CountAsync(cancellationToken);
        var items = await events.OrderBy(e => e.Sequence).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return new AuditEventPage([.. items.Select(ToView)], page, pageSize, total);
    }

    /// <summary>Addresses as the stores keep them normalised (upper case, invariant), or null when none was given.</summary>
    private static string? Normalized(string? email) => string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToUpperInvariant();

    private static AuditEventView ToView(AuditEvent e) => new(
        e.Sequence, e.Id, e.At, new AuditActorView(AuditHashing.KindName(e.ActorKind), e.ActorId, e.ActorDisplay), e.Action,
        e.MessageId, e.RecipientId, e.AttachmentId, e.SubjectId, e.IpAddress, e.UserAgent, e.Detail, e.PreviousHash, e.Hash);
}
