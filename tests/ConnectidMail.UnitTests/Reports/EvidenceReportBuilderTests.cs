using System.Runtime.CompilerServices;
using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Reports;
using UglyToad.PdfPig;

namespace ConnectidMail.UnitTests.Reports;

/// <summary>
/// The one pass that makes a report: events read once, written into the JSON evidence and handed through a channel to
/// the table's layout on another thread. It must give the whole report, and a failure or cancellation on the reading
/// side must surface at once instead of leaving either side waiting.
/// </summary>
public sealed class EvidenceReportBuilderTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task Every_event_reaches_the_table_in_order_and_the_attached_evidence_verifies_offline()
    {
        var events = Chain(2500);
        using var output = new MemoryStream();
        await EvidenceReportBuilder.WriteAsync(Header(events), Async(events), output);

        var pdf = output.ToArray();
        using (var document = PdfDocument.Open(pdf))
        {
            var text = string.Concat(document.GetPages().Select(p => p.Text));
            Assert.Contains("Audit evidence report", document.GetPage(1).Text, StringComparison.Ordinal);
            var positions = events.Select(e => text.IndexOf($"person{e.Sequence}@example.org", StringComparison.Ordinal)).ToList();
            Assert.DoesNotContain(-1, positions);
            Assert.Equal(positions.Order(), positions);
        }

        using var json = JsonDocument.Parse(EvidencePdfReader.ReadAttachments(new MemoryStream(pdf))[EvidenceReportBuilder.EvidenceFileName]);
        Assert.Equal(2500, json.RootElement.GetProperty("events").GetArrayLength());
        var check = AuditExportVerifier.Verify(json.RootElement);
        Assert.True(check.Valid, string.Join("; ", check.Problems));
    }

    [Fact]
    public async Task A_failure_reading_the_events_is_what_the_report_throws_and_nothing_waits()
    {
        var events = Chain(3000);
        var writing = EvidenceReportBuilder.WriteAsync(Header(events), Async(events, failAt: 2600), Stream.Null);

        // Far more rows than the channel holds were read before the failure: neither side may be left waiting.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => writing.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("The database went away at event 2600.", error.Message);
    }

    [Fact]
    public async Task A_destination_it_cannot_read_back_and_seek_in_is_refused_before_any_event_is_read()
    {
        var events = Chain(10);
        var read = false;
        using var oneWay = new System.IO.Compression.GZipStream(new MemoryStream(), System.IO.Compression.CompressionMode.Compress);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => EvidenceReportBuilder.WriteAsync(Header(events), Watched(), oneWay));
        Assert.Equal("destination", error.ParamName);
        Assert.False(read);

        async IAsyncEnumerable<AuditEvent> Watched()
        {
            read = true;
            await foreach (var e in Async(events))
            {
                yield return e;
            }
        }
    }

    [Fact]
    public async Task A_cancelled_report_stops_with_a_cancellation()
    {
        var events = Chain(3000);
        using var cancellation = new CancellationTokenSource();
        var writing = EvidenceReportBuilder.WriteAsync(Header(events), Async(events, cancelAt: 1500, cancellation: cancellation), Stream.Null, cancellationToken: cancellation.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writing.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    private static List<AuditEvent> Chain(int count)
    {
        var events = new List<AuditEvent>(count);
        var previous = AuditEvent.GenesisHash;
        for (var sequence = 1; sequence <= count; sequence++)
        {
            var e = new AuditEvent
            {
                Id = Guid.NewGuid(),
                ActorKind = AuditActorKind.Recipient,
                ActorDisplay = $"person{sequence}@example.org",
                Action = AuditActions.MessageOpened,
                MessageId = Guid.NewGuid(),
                RecipientId = Guid.NewGuid(),
                IpAddress = "203.0.113.7",
                Detail = """{"verifiedBy":"code"}""",
            };
            e.Sequence = sequence;
            e.At = Start.AddSeconds(sequence);
            e.PreviousHash = previous;
            e.Hash = AuditHashing.ComputeHash(e);
            previous = e.Hash;
            events.Add(e);
        }

        return events;
    }

    private static AuditExportHeader Header(List<AuditEvent> events) => new()
    {
        Organisation = "Aarhus Legal ApS",
        GeneratedAt = Start.AddDays(1),
        GeneratedBy = "auditor@aarhus-legal.example (staff)",
        Scope = new AuditExportScope(),
        HeadSequence = events[^1].Sequence,
        HeadHash = events[^1].Hash,
        Verification = new AuditVerification(true, events.Count, events[^1].Hash, null, null),
        EventCount = events.Count,
    };

    private static async IAsyncEnumerable<AuditEvent> Async(
        List<AuditEvent> events, int? failAt = null, int? cancelAt = null, CancellationTokenSource? cancellation = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var e in events)
        {
            if (e.Sequence == failAt)
            {
                throw new InvalidOperationException($"The database went away at event {failAt}.");
            }

            if (e.Sequence == cancelAt)
            {
                await cancellation!.CancelAsync();
            }

            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return e;
        }
    }
}
