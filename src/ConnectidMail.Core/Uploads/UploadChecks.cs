using ConnectidMail.Messaging;
using ConnectidMail.Scanning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Uploads;

/// <summary>
/// The checks every uploaded file passes while it streams: its type is on the allow-list (<c>Policy:AllowedFileTypes</c>),
/// its content matches the type and is no program, and the malware scanners (if any) find it clean. A refusal is a
/// <see cref="MessageRejectedException"/> for the <c>files</c> field naming the file; the caller stores nothing of it.
/// </summary>
public sealed class UploadChecks(IOptions<PolicyOptions> policy, IEnumerable<IFileScanner> scanners, ILogger<UploadChecks> logger)
{
    private readonly IReadOnlyList<IFileScanner> scanners = [.. scanners];

    /// <summary>Starts checking a file whose (cleaned) name is <paramref name="fileName"/>; refuses a type that is not allowed at once.</summary>
    public async Task<UploadInspection> BeginAsync(string fileName, Guid messageId, Guid attachmentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var allowed = policy.Value.AllowedFileTypes;
        var extension = FileTypes.ExtensionOf(fileName);
        if (extension.Length == 0 || !allowed.Contains(extension, StringComparer.Ordinal))
        {
            var what = extension.Length == 0 ? "has no file type (extension)" : $"is a .{extension} file, a type not accepted here";
            throw Refused(
                $"'{fileName}' {what}. Accepted types: {string.Join(", ", allowed)}.",
                new UploadRejection(messageId, attachmentId, extension, "type not allowed"));
        }

        var scans = new List<IFileScan>(scanners.Count);
        foreach (var scanner in scanners)
        {
            scans.Add(await scanner.BeginAsync(cancellationToken));
        }

        return new UploadInspection(new ContentSniffer(FileTypes.FamilyOf(extension)), scans, new UploadContext(fileName, extension, messageId, attachmentId), logger);
    }

    internal static MessageRejectedException Refused(string message, UploadRejection rejection, bool tooLarge = false) =>
        new(message, new Dictionary<string, string[]> { ["files"] = [message] }, tooLarge) { Upload = rejection };
}

internal sealed record UploadContext(string FileName, string Extension, Guid MessageId, Guid AttachmentId)
{
    public UploadRejection Rejection(string reason, string? signature = null) => new(MessageId, AttachmentId, Extension, reason, signature);
}

/// <summary>A file the upload checks refused, as the audit trail records it: ids, type and reason; never its name or content.</summary>
public sealed record UploadRejection(Guid MessageId, Guid AttachmentId, string FileType, string Reason, string? Signature = null);

/// <summary>One file under check: give it every chunk in order (<see cref="InspectAsync"/>), then <see cref="CompleteAsync"/>.</summary>
public sealed class UploadInspection : IAsyncDisposable
{
    private readonly ContentSniffer sniffer;
    private readonly IReadOnlyList<IFileScan> scans;
    private readonly UploadContext file;
    private readonly ILogger logger;

    internal UploadInspection(ContentSniffer sniffer, IReadOnlyList<IFileScan> scans, UploadContext file, ILogger logger)
    {
        this.sniffer = sniffer;
        this.scans = scans;
        this.file = file;
        this.logger = logger;
    }

    /// <summary>Checks the next bytes; throws <see cref="MessageRejectedException"/> as soon as the file is refused.</summary>
    public async ValueTask InspectAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        RefuseIf(sniffer.Add(chunk.Span));
        foreach (var scan in scans)
        {
            if (await scan.WriteAsync(chunk, cancellationToken) is { } early)
            {
                RefuseUnlessClean(early);
            }
        }
    }

    /// <summary>The end of the file: throws <see cref="MessageRejectedException"/> unless its content and every scan passed.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        RefuseIf(sniffer.Complete());
        foreach (var scan in scans)
        {
            RefuseUnlessClean(await scan.CompleteAsync(cancellationToken));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var scan in scans)
        {
            await scan.DisposeAsync();
        }
    }

    private void RefuseIf(ContentProblem? problem)
    {
        if (problem is null)
        {
            return;
        }

        logger.LogInformation(
            "Upload refused: attachment {AttachmentId} of message {MessageId} (.{Extension}) failed the content check ({Problem})",
            file.AttachmentId, file.MessageId, file.Extension, problem);
        var (message, reason) = problem switch
        {
            ContentProblem.Executable => ($"'{file.FileName}' is a program or script, which is never accepted.", "executable content"),
            ContentProblem.NotText => ($"'{file.FileName}' is not a plain text file: it holds binary data.", "not text"),
            _ => ($"'{file.FileName}' is not a real .{file.Extension} file: its content does not match its type.", "content does not match type"),
        };
        throw UploadChecks.Refused(message, file.Rejection(reason));
    }

    private void RefuseUnlessClean(ScanResult result)
    {
        switch (result.Verdict)
        {
            case ScanVerdict.Clean:
                return;
            case ScanVerdict.Infected:
                logger.LogWarning(
                    "Upload refused: malware {Signature} found in attachment {AttachmentId} of message {MessageId}",
                    result.Signature, file.AttachmentId, file.MessageId);
                throw UploadChecks.Refused($"'{file.FileName}' contains malware ({result.Signature}) and was refused.", file.Rejection("malware found", result.Signature));
            default:
                logger.LogWarning(
                    "Upload refused: attachment {AttachmentId} of message {MessageId} could not be scanned: {Failure}",
                    file.AttachmentId, file.MessageId, result.Failure);
                throw UploadChecks.Refused(
                    result.TooLarge
                        ? $"'{file.FileName}' is larger than the malware scanner accepts, so it could not be checked and was refused."
                        : $"'{file.FileName}' could not be checked for malware; try again later.",
                    file.Rejection(result.TooLarge ? "too large to scan" : "scan failed"),
                    result.TooLarge);
        }
    }
}
