using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ConnectidMail.Audit;

/// <summary>
/// One entry of the append-only, hash-chained audit trail. Callers create it with <see cref="AuditTrail.Record"/>;
/// the chain fields (<see cref="Sequence"/>, <see cref="At"/>, <see cref="PreviousHash"/>, <see cref="Hash"/>) are
/// assigned when the unit of work is saved, under a lock that keeps concurrent appends one chain. No code updates or
/// deletes a stored event. Events never hold message content, codes, tokens, keys or passwords.
/// </summary>
public sealed class AuditEvent
{
    public const int MaxDetailLength = 2000;
    public const int MaxUserAgentLength = 512;
    public const int HashLength = 64;

    /// <summary>Sixty-four zeros: the previous hash of the first event.</summary>
    public static readonly string GenesisHash = new('0', HashLength);

    public Guid Id { get; init; }

    /// <summary>1, 2, 3, … without gaps, in the order the events were committed.</summary>
    public long Sequence { get; internal set; }

    /// <summary>UTC, truncated to whole microseconds (stored as microseconds since the Unix epoch on every database).</summary>
    public DateTimeOffset At { get; internal set; }

    public AuditActorKind ActorKind { get; init; }

    public string? ActorId { get; init; }

    public required string ActorDisplay { get; init; }

    /// <summary>One of <see cref="AuditActions"/>.</summary>
    public required string Action { get; init; }

    public Guid? MessageId { get; init; }

    public Guid? RecipientId { get; init; }

    public Guid? AttachmentId { get; init; }

    /// <summary>Another thing the event concerns: a staff user's or API key's id, a reply's id.</summary>
    public string? SubjectId { get; init; }

    public string? IpAddress { get; init; }

    public string? UserAgent { get; init; }

    /// <summary>A small JSON object in canonical form (RFC 8785), or null.</summary>
    public string? Detail { get; init; }

    /// <summary>Lowercase hex SHA-256 of the event before this one, <see cref="GenesisHash"/> for the first.</summary>
    public string PreviousHash { get; internal set; } = "";

    /// <summary>Lowercase hex SHA-256 of this event's canonical form (<see cref="AuditHashing"/>).</summary>
    public string Hash { get; internal set; } = "";

    /// <summary>The order in which events of one unit of work were recorded, so one save chains them in that order.</summary>
    internal long RecordOrder { get; init; }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    /// <summary>Microseconds since the Unix epoch: exact on SQLite and PostgreSQL alike, and ordered as numbers.</summary>
    internal static readonly ValueConverter<DateTimeOffset, long> UnixMicroseconds = new(
        time => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond,
        micros => DateTimeOffset.UnixEpoch.AddTicks(micros * TimeSpan.TicksPerMicrosecond));

    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.At).HasConversion(UnixMicroseconds);
        builder.Property(e => e.ActorKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.ActorId).HasMaxLength(450);
        builder.Property(e => e.ActorDisplay).HasMaxLength(512);
        builder.Property(e => e.Action).HasMaxLength(64);
        builder.Property(e => e.SubjectId).HasMaxLength(450);
        builder.Property(e => e.IpAddress).HasMaxLength(64);
        builder.Property(e => e.UserAgent).HasMaxLength(AuditEvent.MaxUserAgentLength);
        builder.Property(e => e.Detail).HasMaxLength(AuditEvent.MaxDetailLength);
        builder.Property(e => e.PreviousHash).HasMaxLength(AuditEvent.HashLength).IsFixedLength();
        builder.Property(e => e.Hash).HasMaxLength(AuditEvent.HashLength).IsFixedLength();
        builder.Ignore(e => e.RecordOrder);
        // A second line of defence: two appends that somehow read the same head cannot both commit.
        builder.HasIndex(e => e.Sequence).IsUnique();
        builder.HasIndex(e => e.At);
        builder.HasIndex(e => e.MessageId);
        builder.HasIndex(e => e.RecipientId);
        builder.HasIndex(e => e.ActorId);
        builder.HasIndex(e => e.SubjectId);
        builder.HasIndex(e => e.Action);
    }
}
