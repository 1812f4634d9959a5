using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Audit;

/// <summary>Checks the stored chain from the first event to the head, a batch at a time.</summary>
public sealed class AuditVerifier(ConnectidDbContext db)
{
    private const int BatchSize = 1000;

    public async Task<AuditVerification> VerifyAsync(IEnumerable<AuditAnchor> anchors, CancellationToken cancellationToken = default)
    {
        var check = new AuditChainCheck(anchors);
        var after = 0L;
        while (true)
        {
            var batch = await db.AuditEvents.AsNoTracking()
                .Where(e => e.Sequence > after)
                .OrderBy(e => e.Sequence)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
            foreach (var e in batch)
            {
                check.Add(e);
            }

            if (batch.Count < BatchSize)
            {
                return check.Result();
            }

            after = batch[^1].Sequence;
        }
    }
}
