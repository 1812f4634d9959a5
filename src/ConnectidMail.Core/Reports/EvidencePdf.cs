using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Signatures;

namespace ConnectidMail.Reports;

/// <summary>
/// Writes the auditor's evidence report: a summary page, each message's timeline per recipient, the consent records
/// and the event table, "Page X of Y" on every page, and the JSON evidence attached, so the one PDF is the whole pack.
/// The event table is laid out first, a row at a time as the events are read, and the pages before it are inserted
/// once the pass has collected what they show: a report over a long trail never holds its events.
/// </summary>
public sealed class EvidencePdf : IDisposable
{
    // Weights in points of the A4 text width: the time, an address and the longest action fit one line each, and the
    // details (ids, IP, the event's JSON detail) read across the row below them.
    private static readonly TableColumn[] EventColumns =
    [
        new("#", 36), new("Time (UTC)", 120), new("Actor", 181), new("Action", 100), new("Hash", 62, Monospace: true),
        new("Details", 0, Below: true),
    ];

    private readonly PdfDocument document = new();
    private readonly SpillFile spill;
    private readonly PageFlow flow;
    private readonly PageFlow.TableWriter events;
    private bool completed;

    /// <param name="spill">Where the pages' contents and the evidence wait until the file is written; the report's evidence must be kept in the same one.</param>
    public EvidencePdf(SpillFile spill)
    {
        ArgumentNullException.ThrowIfNull(spill);
        ReportFonts.EnsureRegistered();
        this.spill = spill;
        flow = new PageFlow(document, spill);
        flow.NewPage();
        flow.Heading("Events", PageFlow.SectionFont);
        events = flow.BeginTable(EventColumns);
    }

    /// <summary>The next row of the event table, in chain order.</summary>
    public void AddEvent(EventRow e) =>
        events.Add([e.Sequence.ToString(CultureInfo.InvariantCulture), Time(e.At), e.Actor, e.Action, Short(e.Hash), e.Details]);

    /// <summary>
    /// Puts the summary, timelines and consents before the event table, the page numbers on every page, and attaches
    /// the evidence; with a certificate the file will be signed when saved (a PAdES-style CMS signature over the
    /// file). The report is not kept, so a long trail's timelines can be collected before the save.
    /// </summary>
    public void Complete(EvidenceReport report, X509Certificate2? signingCertificate = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (completed)
        {
            throw new InvalidOperationException("The report is already complete.");
        }

        completed = true;
        events.End();

        document.Info.Title = $"Audit evidence report · {report.OrganisationName}";
        document.Info.Author = report.GeneratedBy;
        document.Info.Subject = report.Scope;
        document.Info.Creator = "ConnectidMail";
        document.Info.CreationDate = report.GeneratedAt.UtcDateTime;

        flow.InsertFromStart();
        flow.NewPage();
        WriteSummary(flow, report, signingCertificate);
        WriteMessages(flow, report.Messages);
        WriteConsents(flow, report.Consents);
        flow.Footers($"{report.OrganisationName} · audit evidence generated {Time(report.GeneratedAt)} · head {Short(report.Summary.HeadHash)}");
        Attach(report.Evidence);

        if (signingCertificate is not null)
        {
            DigitalSignatureHandler.ForDocument(
                document,
                new StreamingCmsSigner(signingCertificate, report.GeneratedAt),
                new DigitalSignatureOptions
                {
                    AppName = "ConnectidMail",
                    Reason = "Audit evidence report",
                    Location = report.OrganisationName,
                    PageIndex = 0,
                    Rectangle = new XRect(0, 0, 0, 0),
                });
        }
    }

    /// <summary>Writes the completed report to a stream that can be read back and seeked in, such as a file.</summary>
    public async Task SaveAsync(Stream destination)
    {
        SpillFile.ThrowIfNotSpliceable(destination);
        if (!completed)
        {
            throw new InvalidOperationException("Complete the report before saving it.");
        }

        await document.SaveAsync(spill.Splice(destination), closeStream: false);
        spill.ThrowIfAnyNotSpliced();
    }

    public void Dispose()
    {
        flow.Dispose();
        document.Dispose();
    }

    /// <summary>
    /// Attaches the evidence as it is kept, already deflated in the spill file: PDFsharp would store it plain (and hold
    /// it). The file is added empty and then given the spilled bytes; its parameters name the plain file's size and
    /// checksum, as PDF defines them.
    /// </summary>
    private void Attach(EmbeddedEvidence evidence)
    {
        using (var empty = new MemoryStream([], writable: false))
        {
            document.AddEmbeddedFile(evidence.FileName, empty);
        }

        var names = document.Internals.Catalog.Elements.GetDictionary("/Names")?.Elements.GetDictionary("/EmbeddedFiles")?.Elements.GetArray("/Names")
            ?? throw new InvalidOperationException("PDFsharp did not record the attached file.");
        var file = names.Elements.GetDictionary(names.Elements.Count - 1)?.Elements.GetDictionary("/EF")?.Elements.GetDictionary("/F")
            ?? throw new InvalidOperationException("PDFsharp did not record the attached file.");
        spill.Defer(file, evidence.Deflated);
        file.Elements.SetName("/Filter", "/FlateDecode");
        file.Elements.SetName("/Subtype", "/application/json"); // PDFsharp writes the slash as #2F
        var parameters = file.Elements.GetDictionary("/Params") ?? throw new InvalidOperationException("PDFsharp wrote no file parameters.");
        parameters.Elements["/Size"] = new PdfLongInteger(evidence.Length);
        parameters.Elements["/CheckSum"] = new PdfString(Encoding.Latin1.GetString(evidence.Md5), PdfStringEncoding.RawEncoding);
    }

    private static void WriteSummary(PageFlow flow, EvidenceReport report, X509Certificate2? signingCertificate)
    {
        var summary = report.Summary;
        flow.Paragraph("Audit evidence report", PageFlow.TitleFont);
        flow.Paragraph(report.OrganisationName, PageFlow.SectionFont);
        flow.Gap(8);
        flow.Fact("Scope", report.Scope);
        flow.Fact("Generated at", $"{Time(report.GeneratedAt)} UTC");
        flow.Fact("Generated by", report.GeneratedBy);
        flow.Fact("Events", summary.EventCount.ToString("N0", CultureInfo.InvariantCulture));
        flow.Fact("Sequence numbers", summary.FirstSequence is { } first && summary.LastSequence is { } last ? $"{first} to {last}" : "none");
        flow.Fact(summary.HeadSequence is { } head ? $"Head hash (event {head})" : "Head hash", summary.HeadHash, PageFlow.Code);
        flow.Fact(
            "Verification",
            summary.ChainValid
                ? "The whole chain verified when this report was made: every event's hash and link checks out."
                : $"THE CHAIN DOES NOT VERIFY: it stops checking out at sequence {summary.FirstInvalidSequence}.");
        flow.Fact("Checkpoints", summary.CheckpointStatus);
        if (summary.SigningKey is { } key)
        {
            flow.Fact("Signing key", $"{key.KeyId} · fingerprint {key.Fingerprint}");
            flow.Fact("Public key", key.PublicKeyPem, PageFlow.Code);
        }
        else
        {
            flow.Fact("Signing key", "None yet: no checkpoint has been signed.");
        }

        flow.Fact("PDF signature", signingCertificate is null
            ? "Not signed (no audit signing key yet)."
            : $"This file is signed with the audit key ({signingCertificate.Subject}); any change to it breaks the signature.");
        flow.Gap(8);
        flow.Paragraph(
            $"The events, their hashes and the signed checkpoints are attached to this PDF as {report.Evidence.FileName}. "
            + "Anyone can check them without the portal's database: `admin audit verify-export <file>` checks this PDF or the "
            + "JSON, and the signing key's fingerprint above should match the one the organisation keeps.",
            PageFlow.Body);
    }

    private static void WriteMessages(PageFlow flow, IReadOnlyList<MessageTimeline> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        flow.Gap(10);
        flow.Heading("Messages", PageFlow.SectionFont);
        foreach (var message in messages)
        {
            flow.Heading($"Message {message.MessageId}", PageFlow.SubsectionFont);
            flow.Fact("Sender", message.Sender);
            if (message.SentAt is { } sent)
            {
                flow.Fact("Sent", $"{Time(sent)} UTC");
            }

            foreach (var recipient in message.Recipients)
            {
                flow.Paragraph($"Recipient {recipient.Email}", PageFlow.Strong);
                flow.Table(
                    [new("Time (UTC)", 2.2), new("What", 2.5), new("Detail", 4)],
                    recipient.Entries.Select(e => (IReadOnlyList<string>)[Time(e.At), e.What, e.Detail ?? ""]));
            }
        }
    }

    private static void WriteConsents(PageFlow flow, IReadOnlyList<ConsentEntry> consents)
    {
        flow.Gap(10);
        flow.Heading("Consent records", PageFlow.SectionFont);
        flow.Table(
            [new("Recipient", 3), new("Text version", 1.3), new("Text hash (SHA-256)", 4, Monospace: true), new("Time (UTC)", 2.2), new("IP", 1.6), new("Status", 1.5)],
            consents.Select(c => (IReadOnlyList<string>)[c.Email, c.TextVersion, c.TextHash, Time(c.At), c.IpAddress ?? "", c.Withdrawn ? "withdrawn" : "given"]));
    }

    /// <summary>Microseconds, as the trail stores them.</summary>
    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
