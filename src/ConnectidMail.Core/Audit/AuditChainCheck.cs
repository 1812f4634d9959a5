namespace ConnectidMail.Audit;

/// <summary>
/// The outcome of checking the chain. <see cref="FirstInvalidSequence"/> is the lowest sequence number at which the
/// chain stops checking out: an edited or moved event names itself, a deleted one its own missing number, a cut tail
/// the first number after the last event present that a checkpoint covers; null when valid.
/// <see cref="HeadHash"/> is the stored hash of the last event present (null for an empty trail).
/// <see cref="Problem"/> says in words what is wrong.
/// </summary>
public sealed record AuditVerification(bool Valid, long EventCount, string? HeadHash, long? FirstInvalidSequence, string? Problem)
{
    /// <summary>How many signed checkpoints were checked (their signatures, then the chain against them).</summary>
    public int CheckpointCount { get; init; }
}

/// <summary>A point of the chain someone vouched for earlier: the head hash at a sequence number (e.g. from a signed checkpoint).</summary>
public sealed record AuditAnchor(long Sequence, string HeadHash, string Description);

/// <summary>
/// Checks events fed in sequence order, one at a time, so a long trail is checked in constant memory. The same check
/// runs on the database and, offline, on an export.
/// </summary>
public sealed class AuditChainCheck
{
    private long expectedSequence = 1;
    private string previousHash = AuditEvent.GenesisHash;
    private readonly Dictionary<long, string> hashesAtAnchors = [];
    private readonly HashSet<long> anchorSequences;

    public AuditChainCheck(IEnumerable<AuditAnchor>? anchors = null)
    {
        Anchors = anchors?.ToList() ?? [];
        anchorSequences = Anchors.Select(a => a.Sequence).ToHashSet();
    }

    public IReadOnlyList<AuditAnchor> Anchors { get; }

    public long EventCount { get; private set; }

    public string? HeadHash { get; private set; }

    public long? FirstInvalidSequence { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>Takes the next event in sequence order.</summary>
    public void Add(AuditEvent e)
    {
        EventCount++;
        HeadHash = e.Hash;
        if (anchorSequences.Contains(e.Sequence))
        {
            hashesAtAnchors[e.Sequence] = e.Hash;
        }

        if (FirstInvalidSequence is null)
        {
            CheckLink(e);
        }

        expectedSequence = e.Sequence + 1;
        previousHash = e.Hash;
    }

    private void CheckLink(AuditEvent e)
    {
        if (e.Sequence != expectedSequence)
        {
            Fail(expectedSequence, e.Sequence > expectedSequence
                ? $"Event {expectedSequence} is missing: the event after {expectedSequence - 1} is {e.Sequence}."
                : $"Event {e.Sequence} is out of order after {expectedSequence - 1}.");
        }
        else if (AuditHashing.ComputeHash(e) != e.Hash)
        {
            Fail(e.Sequence, $"Event {e.Sequence} was altered: its content does not match its hash.");
        }
        else if (e.PreviousHash != previousHash)
        {
            Fail(e.Sequence, $"Event {e.Sequence} does not follow event {e.Sequence - 1}: its previous hash differs (moved, replaced or inserted).");
        }
    }

    public AuditVerification Result()
    {
        if (FirstInvalidSequence is null)
        {
            var lastSequence = expectedSequence - 1;
            foreach (var anchor in Anchors.OrderBy(a => a.Sequence))
            {
                if (anchor.Sequence > lastSequence)
                {
                    Fail(lastSequence + 1, $"The trail ends at event {lastSequence}, but {anchor.Description} covers events up to {anchor.Sequence}: its tail was cut.");
                    break;
                }

                if (hashesAtAnchors.GetValueOrDefault(anchor.Sequence) != anchor.HeadHash)
                {
                    Fail(anchor.Sequence, $"Event {anchor.Sequence} does not match {anchor.Description}: the trail up to it was rewritten.");
                    break;
                }
            }
        }

        return new AuditVerification(FirstInvalidSequence is null, EventCount, HeadHash, FirstInvalidSequence, Problem);
    }

    private void Fail(long sequence, string problem)
    {
        FirstInvalidSequence = sequence;
        Problem = problem;
    }
}
