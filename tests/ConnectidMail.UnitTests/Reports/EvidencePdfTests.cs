using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ConnectidMail.Reports;
using UglyToad.PdfPig;

namespace ConnectidMail.UnitTests.Reports;

public sealed class EvidencePdfTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_report_has_its_summary_timelines_consents_every_event_page_numbers_and_the_evidence_attached()
    {
        var report = Report(events: 260);
        var pdf = await WriteAsync(report, Rows(260));

        using var document = PdfDocument.Open(pdf);
        Assert.True(document.NumberOfPages >= 4, $"{document.NumberOfPages} pages");
        var pages = document.GetPages().Select(p => p.Text).ToList();
        for (var index = 0; index < pages.Count; index++)
        {
            Assert.Contains($"Page {index + 1} of {pages.Count}", pages[index], StringComparison.Ordinal);
        }

        var first = pages[0];
        Assert.Contains("Audit evidence report", first, StringComparison.Ordinal);
        Assert.Contains("Aarhus Legal ApS", first, StringComparison.Ordinal);
        Assert.Contains(report.Summary.HeadHash, first, StringComparison.Ordinal);
        Assert.Contains("The whole chain verified", first, StringComparison.Ordinal);
        Assert.Contains("Checkpoint at 260 signed by key audit-1: valid", first, StringComparison.Ordinal);
        Assert.Contains("fingerprint SHA256:ab12", first, StringComparison.Ordinal);

        var all = string.Concat(pages);
        Assert.Contains("Recipient anna@example.com", all, StringComparison.Ordinal);
        Assert.Contains("one-time code", all, StringComparison.Ordinal);
        Assert.Contains(report.Consents[0].TextHash, all, StringComparison.Ordinal);
        Assert.Contains("withdrawn", all, StringComparison.Ordinal);

        // Every event is in the table, in order, across pages (the header is repeated on each of them), after the
        // front matter that was laid out after it.
        Assert.True(all.IndexOf("Consent records", StringComparison.Ordinal) < all.IndexOf("action.number1.", StringComparison.Ordinal));
        var positions = Rows(260).Select(e => all.IndexOf($"action.number{e.Sequence}.", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
        Assert.True(pages.Count(p => p.Contains("ActionHashDetails", StringComparison.Ordinal)) >= 2);
        Assert.Contains("\"ip\":\"203.0.113.17\"", all, StringComparison.Ordinal);

        // Only the shipped fonts are used, and they are embedded; no text runs past the right margin (the wrapping's
        // summed glyph widths are the widths PDFsharp draws).
        Assert.All(document.GetPages().SelectMany(p => p.Letters), l => Assert.Contains("DejaVu", l.FontName, StringComparison.Ordinal));
        Assert.All(document.GetPages().SelectMany(p => p.Letters), l => Assert.True(l.BoundingBox.Right <= 595.3 - 48 + 0.5, $"'{l.Value}' ends at {l.BoundingBox.Right}"));
        Assert.Contains("/FontFile2", Encoding.Latin1.GetString(pdf), StringComparison.Ordinal);

        // The evidence JSON comes back byte for byte, read by PdfPig and by our own reader; in the file it is deflated,
        // as are the pages.
        Assert.True(document.Advanced.TryGetEmbeddedFiles(out var files));
        var attached = Assert.Single(files);
        Assert.Equal("evidence.json", attached.Name);
        Assert.Equal(EvidenceJson(260), attached.Bytes.ToArray());
        Assert.Equal(EvidenceJson(260), EvidencePdfReader.ReadAttachments(new MemoryStream(pdf))["evidence.json"]);
        var raw = Encoding.Latin1.GetString(pdf);
        Assert.DoesNotContain("\"headHash\"", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("action.number", raw, StringComparison.Ordinal);
        Assert.Contains("/FlateDecode", raw, StringComparison.Ordinal);
        Assert.Contains("/Subtype/application#2Fjson", raw, StringComparison.Ordinal); // application/json as a PDF name

        await AssertQpdfAcceptsAsync(pdf);
    }

    [Fact]
    public async Task A_chain_that_does_not_verify_is_said_so_on_the_first_page()
    {
        var report = Report(events: 20) with
        {
            Summary = Report(events: 20).Summary with { ChainValid = false, FirstInvalidSequence = 17 },
        };
        using var document = PdfDocument.Open(await WriteAsync(report, Rows(20)));
        Assert.Contains("THE CHAIN DOES NOT VERIFY: it stops checking out at sequence 17.", document.GetPage(1).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_report_verifies_and_any_change_or_addition_breaks_the_signature()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=ConnectidMail audit key audit-1", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(Start.AddDays(-1), Start.AddYears(5));
        var pdf = await WriteAsync(Report(events: 40), Rows(40), certificate);

        var check = EvidencePdfReader.CheckSignature(pdf);
        Assert.True(check.Valid, check.Explanation);
        Assert.Equal(certificate.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo(), check.Signer!.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo());

        // Still a readable PDF with its evidence.
        using (var document = PdfDocument.Open(pdf))
        {
            Assert.Contains("Audit evidence report", document.GetPage(1).Text, StringComparison.Ordinal);
        }

        // One character of an event changed (same length, so the file's structure stays intact).
        var text = Encoding.Latin1.GetString(pdf);
        var at = text.IndexOf("Aarhus Legal ApS", StringComparison.Ordinal);
        Assert.True(at > 0);
        var edited = (byte[])pdf.Clone();
        edited[at] = (byte)'B';
        var editedCheck = EvidencePdfReader.CheckSignature(edited);
        Assert.True(editedCheck.Signed);
        Assert.False(editedCheck.Valid, editedCheck.Explanation);

        // An incremental update appended after signing is not covered.
        var extended = pdf.Concat(Encoding.ASCII.GetBytes("\n1 0 obj\n<< >>\nendobj\n")).ToArray();
        Assert.False(EvidencePdfReader.CheckSignature(extended).Valid);

        // And an unsigned report says that it is not signed.
        var unsigned = EvidencePdfReader.CheckSignature(await WriteAsync(Report(events: 5), Rows(5)));
        Assert.False(unsigned.Signed);
        Assert.False(unsigned.Valid);

        await AssertQpdfAcceptsAsync(pdf);
    }

    [Fact]
    public async Task A_report_is_saved_only_once_complete_and_completed_only_once()
    {
        using var spill = new SpillFile();
        using var pdf = new EvidencePdf(spill);
        using var output = new MemoryStream();
        await Assert.ThrowsAsync<InvalidOperationException>(() => pdf.SaveAsync(output));
        Assert.Equal(0, output.Length);

        var report = Report(events: 0) with { Evidence = Evidence(spill, EvidenceJson(0)) };
        pdf.Complete(report);
        Assert.Throws<InvalidOperationException>(() => pdf.Complete(report));
        await pdf.SaveAsync(output);
        using var document = PdfDocument.Open(output.ToArray());
        Assert.Contains("Audit evidence report", document.GetPage(1).Text, StringComparison.Ordinal);
    }

    /// <summary>The report with its evidence kept in the spill file it is written with, as the builder does.</summary>
    private static async Task<byte[]> WriteAsync(EvidenceReport report, IEnumerable<EventRow> rows, X509Certificate2? certificate = null)
    {
        using var spill = new SpillFile();
        using var pdf = new EvidencePdf(spill);
        foreach (var row in rows)
        {
            pdf.AddEvent(row);
        }

        using var output = new MemoryStream();
        pdf.Complete(report with { Evidence = Evidence(spill, EvidenceJson((int)report.Summary.EventCount)) }, certificate);
        await pdf.SaveAsync(output);
        return output.ToArray();
    }

    private static async Task AssertQpdfAcceptsAsync(byte[] pdf)
    {
        var path = Path.Combine(Path.GetTempPath(), $"evidence-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        try
        {
            // tests/run.sh installs qpdf where it is missing.
            using var qpdf = Process.Start(new ProcessStartInfo("qpdf", ["--check", path]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = await qpdf.StandardOutput.ReadToEndAsync() + await qpdf.StandardError.ReadToEndAsync();
            await qpdf.WaitForExitAsync();
            Assert.True(qpdf.ExitCode == 0, output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static EvidenceReport Report(int events)
    {
        var head = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(events)));
        return new EvidenceReport
        {
            OrganisationName = "Aarhus Legal ApS",
            Scope = "All events from 2026-11-01 to 2026-11-27",
            GeneratedAt = Start.AddDays(1),
            GeneratedBy = "auditor@aarhus-legal.example (Auditor)",
            Summary = new EvidenceSummary
            {
                EventCount = events,
                FirstSequence = 1,
                LastSequence = events,
                HeadHash = head,
                ChainValid = true,
                CheckpointStatus = $"Checkpoint at {events} signed by key audit-1: valid",
                SigningKey = new SigningKeyInfo("audit-1", "SHA256:ab12cd34ef56", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"),
            },
            Messages =
            [
                new MessageTimeline(Guid.NewGuid().ToString(), "lawyer@aarhus-legal.example", Start,
                [
                    new RecipientTimeline("anna@example.com",
                    [
                        new TimelineEntry(Start.AddMinutes(1), "Notified"),
                        new TimelineEntry(Start.AddMinutes(5), "Code sent"),
                        new TimelineEntry(Start.AddMinutes(6), "Verified", "one-time code"),
                        new TimelineEntry(Start.AddMinutes(7), "Opened"),
                        new TimelineEntry(Start.AddMinutes(8), "Downloaded", "contract.pdf (attachment 8c1f…)"),
                    ]),
                    new RecipientTimeline("bo@example.com", [new TimelineEntry(Start.AddMinutes(1), "Notified")]),
                ]),
            ],
            Consents =
            [
                new ConsentEntry("anna@example.com", "2026-1", Convert.ToHexStringLower(SHA256.HashData("consent text"u8)), Start.AddMinutes(6.5), "203.0.113.7", Withdrawn: false),
                new ConsentEntry("anna@example.com", "2026-1", Convert.ToHexStringLower(SHA256.HashData("consent text"u8)), Start.AddDays(1), "203.0.113.7", Withdrawn: true),
            ],
            Evidence = null!, // kept in the spill file the report is written with: WriteAsync attaches it
        };
    }

    private static IEnumerable<EventRow> Rows(int events) => Enumerable.Range(1, events).Select(i => new EventRow(
        i,
        Start.AddSeconds(i).AddTicks(i * 10),
        i % 3 == 0 ? "recipient anna@example.com" : "staff lawyer@aarhus-legal.example",
        $"action.number{i}.done",
        $"{{\"messageId\":\"{new Guid(i, 0, 0, new byte[8])}\",\"ip\":\"203.0.113.{i % 250}\"}}",
        Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)))));

    private static byte[] EvidenceJson(int events) =>
        Encoding.UTF8.GetBytes($"{{\"events\":{events},\"headHash\":\"{Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(events)))}\"}}");

    private static EmbeddedEvidence Evidence(SpillFile spill, byte[] json)
    {
        using var sink = new EvidenceSink(spill);
        sink.Write(json);
        return sink.Finish("evidence.json");
    }
}
