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

/// <summary>Finds events for auditors, oldest first (chain order), a page at a time.</summary>
public sealed class AuditSearch(ConnectidDbContext db)
{
    public const int MaxPageSize = 100;

    public async Task<AuditEventPage> FindAsync(
        Guid? messageId, DateTimeOffset? from, DateTimeOffset? to, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        var events = db.AuditEvents.AsNoTracking();
        if (messageId is { } message)
        {
            events = events.Where(e => e.MessageId == message);
        }

        if (from is { } start)
        {
            events = events.Where(e => e.At >= start);
        }

        if (to is { } end)
        {
            events = events.Where(e => e.At <= end);
        }

        var total = await events.CountAsync(cancellationToken);
        var items = await events.OrderBy(e => e.Sequence).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return new AuditEventPage([.. items.Select(ToView)], page, pageSize, total);
    }

    private static AuditEventView ToView(AuditEvent e) => new(
        e.Sequence, e.Id, e.At, new AuditActorView(AuditHashing.KindName(e.ActorKind), e.ActorId, e.ActorDisplay), e.Action,
        e.MessageId, e.RecipientId, e.AttachmentId, e.SubjectId, e.IpAddress, e.UserAgent, e.Detail, e.PreviousHash, e.Hash);
}
