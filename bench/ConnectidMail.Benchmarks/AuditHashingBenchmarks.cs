using BenchmarkDotNet.Attributes;
using ConnectidMail.Audit;

namespace ConnectidMail.Benchmarks;

/// <summary>
/// An audit event's hash, as the chain's verification takes it for every event: the canonical form written member by
/// member (<see cref="AuditHashing.CanonicalForm"/>) against the baseline it replaced, the event built as a JSON tree,
/// serialized and canonicalized (the same bytes; the unit tests prove it). A thousand events shaped like a download.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
[MedianColumn]
public class AuditHashingBenchmarks
{
    private AuditEvent[] events = [];

    [GlobalSetup]
    public void Setup() => events = [.. Enumerable.Range(0, 1000).Select(i => new AuditEvent
    {
        Id = Guid.NewGuid(),
        ActorKind = AuditActorKind.Recipient,
        ActorId = Guid.NewGuid().ToString(),
        ActorDisplay = $"person{i}@example.com",
        Action = AuditActions.AttachmentDownloaded,
        MessageId = Guid.NewGuid(),
        RecipientId = Guid.NewGuid(),
        AttachmentId = Guid.NewGuid(),
        IpAddress = "203.0.113.7",
        UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        Detail = """{"size":182044}""",
    })];

    [Benchmark(Baseline = true)]
    public int JsonTree()
    {
        var total = 0;
        foreach (var e in events)
        {
            total += AuditHashing.Sha256Hex(AuditHashing.DefiningForm(e)).Length;
        }

        return total;
    }

    [Benchmark]
    public int MemberByMember()
    {
        var total = 0;
        foreach (var e in events)
        {
            total += AuditHashing.ComputeHash(e).Length;
        }

        return total;
    }
}
