using System.Runtime.CompilerServices;
using ConnectidMail.Messaging;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Audit;

/// <summary>
/// Starts an export (JSON or PDF): takes the chain's head, verifies the chain up to it, counts the events in scope and
/// records the export as an <c>audit.exported</c> event, which therefore lies after the head and outside the export.
/// The events are then read a batch at a time, so an export of any size streams in constant memory.
/// </summary>
public sealed class AuditExporter(ConnectidDbContext db, AuditTrail audit, AuditVerifier verifier, TimeProvider clock, IOptions<PortalOptions> portal)
{
    private const int BatchSize = 1000;

    /// <summary>Actions recorded per recipient address (before a link names the recipient record) that belong to a message's story.</summary>
    private static readonly string[] AddressActions =
    [
        AuditActions.CodeSent, AuditActions.CodeFailed, AuditActions.CodeLocked, AuditActions.RecipientVerified,
        AuditActions.ConsentGiven, AuditActions.ConsentWithdrawn, AuditActions.PasskeyAdded, AuditActions.PasskeyRemoved,
        AuditActions.PasskeyRenamed, AuditActions.PasskeyFailed,
    ];

    /// <param name="format">"json" or "pdf", as recorded in the export's event.</param>
    public async Task<AuditExportRun> BeginAsync(AuditExportScope scope, AuditActor actor, string format, CancellationToken cancellationToken = default)
    {
        var head = await db.AuditEvents.AsNoTracking()
            .OrderByDescending(e => e.Sequence)
            .Select(e => new { e.Sequence, e.Hash })
            .FirstOrDefaultAsync(cancellationToken);
        var headSequence = head?.Sequence ?? 0;
        var checkpoints = await db.AuditCheckpoints.AsNoTracking().Where(c => c.Sequence <= headSequence).OrderBy(c => c.Sequence).ToListAsync(cancellationToken);
        var keys = (await db.AuditSigningKeys.AsNoTracking().OrderBy(k => k.Version).ToListAsync(cancellationToken)).Select(k => k.ToPublicKey()).ToList();
        var verification = await verifier.VerifyWithCheckpointsAsync(checkpoints, keys, headSequence, cancellationToken);

        var addresses = scope.MessageId is { } messageId
            ? await db.MessageRecipients.AsNoTracking().Where(r => r.MessageId == messageId).Select(r => r.NormalizedEmail).ToListAsync(cancellationToken)
            : [];
        var createdAt = scope.MessageId is { } id
            ? await db.Messages.AsNoTracking().Where(m => m.Id == id).Select(m => (DateTimeOffset?)m.CreatedAt).FirstOrDefaultAsync(cancellationToken)
            : null;
        var run = new AuditExportRun(this, scope, headSequence, addresses, createdAt);
        var count = await run.Query().LongCountAsync(cancellationToken);

        run.Header = new AuditExportHeader
        {
            Organisation = portal.Value.OrganisationName,
            GeneratedAt = AuditHashing.TruncateToMicroseconds(clock.GetUtcNow()),
            GeneratedBy = $"{actor.Display} ({AuditHashing.KindName(actor.Kind)})",
            Scope = scope,
            HeadSequence = headSequence,
            HeadHash = head?.Hash ?? AuditEvent.GenesisHash,
            Verification = verification,
            EventCount = count,
            Checkpoints = checkpoints,
            Keys = keys,
        };

        // Recorded before a byte is sent: no export leaves the portal unrecorded.
        audit.Record(db, actor, AuditActions.AuditExported, new AuditSubjects(MessageId: scope.MessageId), new
        {
            format,
            scope = scope.Describe(),
            from = scope.From is { } from ? AuditHashing.FormatTime(from) : null,
            to = scope.To is { } to ? AuditHashing.FormatTime(to) : null,
            events = count,
            headSequence,
        });
        await db.SaveChangesAsync(cancellationToken);
        return run;
    }

    internal IQueryable<AuditEvent> Query(AuditExportScope scope, long headSequence, IReadOnlyList<string> addresses, DateTimeOffset? messageCreatedAt)
    {
        var events = db.AuditEvents.AsNoTracking().Where(e => e.Sequence <= headSequence);
        if (scope.MessageId is { } messageId)
        {
            // A recipient asks for a code, verifies and consents as an address; those events name no message, so they
            // are matched by the address, from the message's creation on.
            var since = messageCreatedAt ?? DateTimeOffset.MaxValue;
            events = events.Where(e => e.MessageId == messageId
                || (e.MessageId == null && e.ActorKind == AuditActorKind.Recipient && AddressActions.Contains(e.Action)
                    && e.At >= since && addresses.Contains(e.ActorDisplay.ToUpper())));
        }

        if (scope.From is { } from)
        {
            events = events.Where(e => e.At >= from);
        }

        if (scope.To is { } to)
        {
            events = events.Where(e => e.At <= to);
        }

        return events;
    }

    internal async IAsyncEnumerable<AuditEvent> ReadAsync(IQueryable<AuditEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = 0L;
        while (true)
        {
            var batch = await events.Where(e => e.Sequence > after).OrderBy(e => e.Sequence).Take(BatchSize).ToListAsync(cancellationToken);
            foreach (var e in batch)
            {
                yield return e;
            }

            if (batch.Count < BatchSize)
            {
                yield break;
            }

            after = batch[^1].Sequence;
        }
    }
}

/// <summary>An export that has been started (and recorded): its header, and its events in chain order.</summary>
public sealed class AuditExportRun
{
    private readonly AuditExporter exporter;
    private readonly long headSequence;
    private readonly IReadOnlyList<string> addresses;
    private readonly DateTimeOffset? messageCreatedAt;

    internal AuditExportRun(AuditExporter exporter, AuditExportScope scope, long headSequence, IReadOnlyList<string> addresses, DateTimeOffset? messageCreatedAt)
    {
        this.exporter = exporter;
        Scope = scope;
        this.headSequence = headSequence;
        this.addresses = addresses;
        this.messageCreatedAt = messageCreatedAt;
    }

    public AuditExportScope Scope { get; }

    public AuditExportHeader Header { get; internal set; } = null!;

    public IAsyncEnumerable<AuditEvent> EventsAsync(CancellationToken cancellationToken = default) => exporter.ReadAsync(Query(), cancellationToken);

    internal IQueryable<AuditEvent> Query() => exporter.Query(Scope, headSequence, addresses, messageCreatedAt);
}
