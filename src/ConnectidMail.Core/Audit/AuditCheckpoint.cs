using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Audit;

/// <summary>
/// A signed statement that the chain had <see cref="HeadHash"/> at <see cref="Sequence"/> at <see cref="Time"/>. In JSON it
/// is exactly <c>{sequence, headHash, time, keyId, signature}</c>; <see cref="AuditCheckpointSignature"/> says what is
/// signed and checks it. Stored rows are never updated: a later checkpoint covers more, it does not replace one.
/// </summary>
public sealed record AuditCheckpoint
{
    /// <summary>The sequence number of the last event it covers.</summary>
    public required long Sequence { get; init; }

    /// <summary>The hash of that event (lowercase hex SHA-256).</summary>
    public required string HeadHash { get; init; }

    /// <summary>When it was made: UTC, whole microseconds, written like the events' times.</summary>
    [JsonConverter(typeof(AuditTimeJsonConverter))]
    public required DateTimeOffset Time { get; init; }

    /// <summary>The <see cref="AuditSigningKey.KeyId"/> of the key that signed it.</summary>
    public required string KeyId { get; init; }

    /// <summary>Base64 of the ECDSA P-256 / SHA-256 signature in IEEE P1363 form (r‖s, 64 bytes).</summary>
    public required string Signature { get; init; }
}

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> builder)
    {
        builder.ToTable("AuditCheckpoints");
        // One checkpoint per sequence number: two instances that checkpoint the same head cannot both commit one.
        builder.HasKey(c => c.Sequence);
        builder.Property(c => c.Sequence).ValueGeneratedNever();
        builder.Property(c => c.HeadHash).HasMaxLength(AuditEvent.HashLength).IsFixedLength();
        builder.Property(c => c.Time).HasConversion(AuditEventConfiguration.UnixMicroseconds);
        builder.Property(c => c.KeyId).HasMaxLength(AuditSigningKeyRecord.KeyIdLength);
        builder.Property(c => c.Signature).HasMaxLength(128);
        builder.HasIndex(c => c.Time);
    }
}
