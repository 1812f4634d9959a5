using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Audit;

/// <summary>Checks the stored chain from the first event to the head, a batch at a time.</summary>
public sealed class AuditVerifier(ConnectidDbContext db)
{
    private const int BatchSize = 1000;

    /// <summary>
    /// The full check: every stored checkpoint's signature against the published keys, then the chain against the
    /// checkpoints that verify (which finds a cut tail). A checkpoint whose signature fails makes the result invalid at
    /// its own sequence number (the point it no longer vouches for), or lower where the chain itself breaks earlier.
    /// </summary>
    public async Task<AuditVerification> VerifyWithCheckpointsAsync(CancellationToken cancellationToken = default)
    {
        var keys = (await db.AuditSigningKeys.AsNoTracking().ToListAsync(cancellationToken)).Select(k => k.ToPublicKey()).ToList();
        var checkpoints = await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Sequence).ToListAsync(cancellationToken);
        return await VerifyWithCheckpointsAsync(checkpoints, keys, upToSequence: null, cancellationToken);
    }

    /// <summary>The same check with the given checkpoints and keys, over events 1 to <paramref name="upToSequence"/> (all when null).</summary>
    public async Task<AuditVerification> VerifyWithCheckpointsAsync(
        IReadOnlyList<AuditCheckpoint> checkpoints, IReadOnlyList<AuditSigningKey> keys, long? upToSequence, CancellationToken cancellationToken = default)
    {
        var signed = checkpoints.Select(c => (Checkpoint: c, Problem: AuditCheckpointSignature.FindProblem(c, keys))).ToList();
        var chain = await VerifyAsync(
            signed.Where(s => s.Problem is null).Select(s => new AuditAnchor(s.Checkpoint.Sequence, s.Checkpoint.HeadHash, $"signed checkpoint {s.Checkpoint.Sequence}")),
            upToSequence,
            cancellationToken);
        var forged = signed.FirstOrDefault(s => s.Problem is not null);
        var result = forged.Problem is not null && (chain.FirstInvalidSequence is null || forged.Checkpoint.Sequence < chain.FirstInvalidSequence)
            ? chain with { Valid = false, FirstInvalidSequence = forged.Checkpoint.Sequence, Problem = forged.Problem }
            : chain;
        return result with { CheckpointCount = checkpoints.Count };
    }

    public Task<AuditVerification> VerifyAsync(IEnumerable<AuditAnchor> anchors, CancellationToken cancellationToken = default) =>
        VerifyAsync(anchors, upToSequence: null, cancellationToken);

    private async Task<AuditVerification> VerifyAsync(IEnumerable<AuditAnchor> anchors, long? upToSequence, CancellationToken cancellationToken)
    {
        var check = new AuditChainCheck(anchors);
        var upTo = upToSequence ?? long.MaxValue;
        var after = 0L;
        while (true)
        {
            var batch = await db.AuditEvents.AsNoTracking()
                .Where(e => e.Sequence > after && e.Sequence <= upTo)
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
