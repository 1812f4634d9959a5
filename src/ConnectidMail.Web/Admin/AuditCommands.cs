using System.Security.Cryptography;
using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Reports;

namespace ConnectidMail.Web.Admin;

internal static class AuditCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Prints the verification as the API gives it; what is wrong, if anything, also goes to standard error.</summary>
    public static async Task<int> VerifyAsync(IServiceProvider services, ConsoleStreams console)
    {
        var result = await services.GetRequiredService<AuditVerifier>().VerifyWithCheckpointsAsync();
        console.Out.WriteLine(JsonSerializer.Serialize(result, Json));
        if (result.Valid)
        {
            return AdminCli.Ok;
        }

        console.Error.WriteLine($"error: the audit trail is not intact: {result.Problem}");
        return AdminCli.Failed;
    }

    /// <summary>
    /// Checks a JSON export, or a PDF report's attached evidence and its signature, without the database. Every problem
    /// goes to standard output on its own line (naming the event or checkpoint), then the summary as the last line.
    /// </summary>
    public static async Task<int> VerifyExportAsync(string[] args, ConsoleStreams console)
    {
        if (args is not [var path] || path.StartsWith("--", StringComparison.Ordinal))
        {
            console.Error.WriteLine("error: give the file to check: admin audit verify-export FILE (a .json export or a .pdf report).");
            return AdminCli.Usage;
        }

        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"error: cannot read {path}: {e.Message}");
            return AdminCli.Failed;
        }

        var problems = new List<string>();
        var notes = new List<string>();
        var json = content;
        PdfSignatureCheck? signature = null;
        if (content.AsSpan().StartsWith("%PDF-"u8))
        {
            if (ReadEvidence(content, console) is not { } attached)
            {
                return AdminCli.Failed;
            }

            json = attached;
            signature = EvidencePdfReader.CheckSignature(content);
            if (signature.Signed && !signature.Valid)
            {
                problems.Add($"The PDF's signature: {signature.Explanation}");
            }

            notes.Add(signature.Valid ? "PDF signature valid over the whole file" : "PDF not signed");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            console.Error.WriteLine($"error: {path} is not a JSON export (nor a PDF report): {e.Message}");
            return AdminCli.Failed;
        }

        using (document)
        {
            var check = AuditExportVerifier.Verify(document.RootElement);
            problems.AddRange(check.Problems);
            if (signature is { Valid: true, Signer: { } signer } && !SignerIsListed(document.RootElement, signer.PublicKey.ExportSubjectPublicKeyInfo()))
            {
                problems.Add("The PDF's signature is valid, but made with a key the evidence does not list.");
            }

            foreach (var problem in problems)
            {
                console.Out.WriteLine(problem);
            }

            console.Out.WriteLine(problems.Count == 0
                ? $"{check.Summary}{(notes.Count > 0 ? " " + string.Join("; ", notes) + "." : "")}"
                : $"INVALID: {problems.Count} problem(s).");
            if (problems.Count == 0)
            {
                return AdminCli.Ok;
            }

            console.Error.WriteLine($"error: {path} does not verify: {problems[0]}");
            return AdminCli.Failed;
        }
    }

    private static byte[]? ReadEvidence(byte[] pdf, ConsoleStreams console)
    {
        try
        {
            using var stream = new MemoryStream(pdf, writable: false);
            if (EvidencePdfReader.ReadAttachments(stream).TryGetValue(EvidenceReportBuilder.EvidenceFileName, out var evidence))
            {
                return evidence;
            }

            console.Error.WriteLine($"error: the PDF has no attached {EvidenceReportBuilder.EvidenceFileName}: it is not an evidence report.");
            return null;
        }
        catch (Exception e) when (e is PdfSharp.Pdf.IO.PdfReaderException or InvalidOperationException or InvalidCastException)
        {
            console.Error.WriteLine($"error: the PDF cannot be read: {e.Message}");
            return null;
        }
    }

    private static bool SignerIsListed(JsonElement export, byte[] spki)
    {
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(spki));
        return export.TryGetProperty("keys", out var keys) && keys.ValueKind == JsonValueKind.Array
            && keys.EnumerateArray().Any(k => k.TryGetProperty("fingerprint", out var f) && string.Equals(f.GetString(), fingerprint, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Rotates the checkpoint signing key; the new fingerprint goes to standard output for the admin to keep.</summary>
    public static async Task<int> RotateKeyAsync(IServiceProvider services, ConsoleStreams console)
    {
        var rotation = await services.GetRequiredService<AuditCheckpoints>().RotateKeyAsync(AuditActor.CommandLine);
        console.Out.WriteLine(
            $"Retired audit signing key {rotation.Retired.KeyId}; checkpoints are now signed with key {rotation.Current.KeyId}, fingerprint {rotation.Current.Fingerprint}.");
        return AdminCli.Ok;
    }
}
