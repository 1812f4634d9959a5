using System.Text.Json;
using ConnectidMail.Persistence;

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

        var fromRequest = actor.IpAddress is null && actor.UserAgent is null;
        var userAgent = fromRequest ? origin.UserAgent : actor.UserAgent;
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
            IpAddress = fromRequest ? origin.IpAddress : actor.IpAddress,
            UserAgent = userAgent is { Length: > AuditEvent.MaxUserAgentLength } ? userAgent[..AuditEvent.MaxUserAgentLength] : userAgent,
            Detail = detailJson,
            RecordOrder = Interlocked.Increment(ref recordOrder),
        };
        db.AuditEvents.Add(recorded);
        return recorded;
    }
}
