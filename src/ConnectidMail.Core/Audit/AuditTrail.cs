using System.Text.Json;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Audit;

/// <summary>
/// Records audit events. An event joins the unit of work of the action it records: add it to the context you are
/// about to save, and it is committed or rolled back with that action. The chain fields are filled in at save time.
/// </summary>
public sealed class AuditTrail(IAuditRequestOrigin origin)
{
    private static readonly JsonSerializerOptions DetailJson = new(JsonSerializerDefaults.Web);
    private static long recordOrder;

    /// <summary>
    /// Adds an event to <paramref name="db"/>; it is written by the caller's next <c>SaveChanges</c>.
    /// <paramref name="detail"/> is a small object (serialized camelCase): names, counts, reasons; never message
    /// content, codes, tokens, keys or passwords.
    /// </summary>
    public AuditEvent Record(ConnectidDbContext db, AuditActor actor, string action, AuditSubjects about = default, object? detail = null)
    {
        var detailJson = detail is null ? null : CanonicalJson.Canonicalize(JsonSerializer.SerializeToElement(detail, DetailJson));
        if (detailJson is { Length: > AuditEvent.MaxDetailLength })
        {
            throw new ArgumentException($"An audit detail may hold at most {AuditEvent.MaxDetailLength} characters.", nameof(detail));
        }

        var userAgent = actor.UserAgent ?? origin.UserAgent;
        var recorded = new AuditEvent
        {
            Id = Guid.NewGuid(),
            ActorKind = actor.Kind,
            ActorId = actor.Id,
            ActorDisplay = actor.Display,
            Action = action,
            MessageId = about.MessageId,
            RecipientId = about.RecipientId,
            AttachmentId = about.AttachmentId,
            SubjectId = about.SubjectId,
            IpAddress = actor.IpAddress ?? origin.IpAddress,
            UserAgent = userAgent is { Length: > AuditEvent.MaxUserAgentLength } ? userAgent[..AuditEvent.MaxUserAgentLength] : userAgent,
            Detail = detailJson,
            RecordOrder = Interlocked.Increment(ref recordOrder),
        };
        db.AuditEvents.Add(recorded);
        return recorded;
    }

    /// <summary>
    /// Takes the append lock in <paramref name="db"/>'s current transaction now. A transaction that updates a row and
    /// then records an event must take it first: saves with events take the lock before their row updates, and the
    /// opposite order deadlocks on PostgreSQL. (On SQLite the transaction already holds the database's write lock.)
    /// </summary>
    public static async Task LockAsync(ConnectidDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The audit append lock is taken inside the caller's transaction.");
        }

        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AuditChainInterceptor.PostgresAppendLock})", cancellationToken);
        }
    }
}
