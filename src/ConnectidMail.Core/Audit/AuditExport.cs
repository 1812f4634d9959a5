using System.Globalization;

namespace ConnectidMail.Audit;

/// <summary>
/// What an export covers. Without a message and times it is the whole trail, which an offline check can prove complete;
/// with them it is a selection (see <see cref="AuditExportVerifier"/> for what a selection proves).
/// </summary>
public sealed record AuditExportScope(Guid? MessageId = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public bool IsWholeTrail => MessageId is null && From is null && To is null;

    public string Describe()
    {
        var what = MessageId is { } message
            ? $"Message {message:D}: its events and its recipients' verification, passkey and consent events"
            : "All events";
        var when = (From, To) switch
        {
            (null, null) => "",
            ({ } from, null) => $" from {AuditHashing.FormatTime(from)}",
            (null, { } to) => $" up to {AuditHashing.FormatTime(to)}",
            ({ } from, { } to) => $" from {AuditHashing.FormatTime(from)} to {AuditHashing.FormatTime(to)}",
        };
        return what + when;
    }

    /// <summary>A name for the downloaded file, e.g. <c>audit-export-20261127-153000.json</c>.</summary>
    public static string FileName(string kind, DateTimeOffset at, string extension) =>
        $"audit-{kind}-{at.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.{extension}";
}

/// <summary>
/// Everything about an export decided before its events are read: the chain's head and the verification of the chain up
/// to it (both taken before the export's own <c>audit.exported</c> event was appended), and the checkpoints and keys.
/// </summary>
public sealed record AuditExportHeader
{
    public const string Format = "connectidmail.audit-export/1";

    public required string Organisation { get; init; }

    public required DateTimeOffset GeneratedAt { get; init; }

    public required string GeneratedBy { get; init; }

    public required AuditExportScope Scope { get; init; }

    /// <summary>The last event of the whole chain when the export was taken (0 and the genesis hash for an empty trail).</summary>
    public required long HeadSequence { get; init; }

    public required string HeadHash { get; init; }

    /// <summary>The database-side check of the whole chain from event 1 to the head, as the portal saw it.</summary>
    public required AuditVerification Verification { get; init; }

    /// <summary>How many events of the scope the export holds.</summary>
    public required long EventCount { get; init; }

    /// <summary>The signed checkpoints up to the head, in sequence order (<see cref="AuditCheckpointSignature"/>).</summary>
    public IReadOnlyList<AuditCheckpoint> Checkpoints { get; init; } = [];

    /// <summary>Every checkpoint signing key, retired ones too, so each checkpoint can be checked.</summary>
    public IReadOnlyList<AuditSigningKey> Keys { get; init; } = [];
}
