namespace ConnectidMail.Reports;

/// <summary>
/// Everything the evidence PDF shows before its event table, already decided: the report writer only lays it out. The
/// table's rows are handed to <see cref="EvidencePdf"/> one at a time as they are read, since a trail can be long. Audit
/// events never hold message content, so neither does the report.
/// </summary>
public sealed record EvidenceReport
{
    public required string OrganisationName { get; init; }

    /// <summary>What the report covers, in words (e.g. "Message 3f2a… from 2026-11-01 to 2026-11-27").</summary>
    public required string Scope { get; init; }

    public required DateTimeOffset GeneratedAt { get; init; }

    public required string GeneratedBy { get; init; }

    public required EvidenceSummary Summary { get; init; }

    public IReadOnlyList<MessageTimeline> Messages { get; init; } = [];

    public IReadOnlyList<ConsentEntry> Consents { get; init; } = [];

    /// <summary>The same evidence as JSON, attached to the PDF so the one file is the whole evidence pack.</summary>
    public required EmbeddedEvidence Evidence { get; init; }
}

public sealed record EvidenceSummary
{
    public required long EventCount { get; init; }

    public long? FirstSequence { get; init; }

    public long? LastSequence { get; init; }

    /// <summary>The last event of the whole chain when the report was made (its own export event comes after it).</summary>
    public long? HeadSequence { get; init; }

    /// <summary>Lowercase hex SHA-256 of the chain's head as verified when the report was made.</summary>
    public required string HeadHash { get; init; }

    public required bool ChainValid { get; init; }

    public long? FirstInvalidSequence { get; init; }

    /// <summary>One line on the signed checkpoint(s) covering the events, e.g. "Checkpoint at 1,204 signed by key k2: valid".</summary>
    public required string CheckpointStatus { get; init; }

    /// <summary>The audit signing key's id, fingerprint and public key (PEM), for the reader to compare with the one they keep.</summary>
    /// <summary>Null while no checkpoint key exists.</summary>
    public required SigningKeyInfo? SigningKey { get; init; }
}

public sealed record SigningKeyInfo(string KeyId, string Fingerprint, string PublicKeyPem);

public sealed record MessageTimeline(string MessageId, string Sender, DateTimeOffset? SentAt, IReadOnlyList<RecipientTimeline> Recipients);

public sealed record RecipientTimeline(string Email, IReadOnlyList<TimelineEntry> Entries);

/// <summary>One step of a recipient's way, e.g. (10:42, "Verified", "one-time code").</summary>
public sealed record TimelineEntry(DateTimeOffset At, string What, string? Detail = null);

public sealed record ConsentEntry(string Email, string TextVersion, string TextHash, DateTimeOffset At, string? IpAddress, bool Withdrawn);

public sealed record EventRow(long Sequence, DateTimeOffset At, string Actor, string Action, string Details, string Hash);

/// <summary>
/// The JSON evidence as the PDF stores it: deflated (zlib, PDF's FlateDecode), with the plain JSON's length and MD5 for
/// the embedded file's parameters (the checksum PDF defines for them, not a security measure). The deflated bytes are
/// in the report's spill file until the PDF is written.
/// </summary>
public sealed record EmbeddedEvidence(string FileName, SpilledBytes Deflated, long Length, byte[] Md5);
