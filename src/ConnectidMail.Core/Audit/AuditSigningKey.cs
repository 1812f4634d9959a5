using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Audit;

/// <summary>
/// A checkpoint signing key as anyone may know it: in JSON <c>{keyId, publicKey, fingerprint, createdAt, retiredAt?}</c>.
/// <see cref="PublicKey"/> is base64 of the SubjectPublicKeyInfo DER; <see cref="Fingerprint"/> the lowercase hex SHA-256
/// of those bytes. A retired key signs nothing new, and checkpoints it signed still verify with it.
/// </summary>
public sealed record AuditSigningKey(
    string KeyId,
    string PublicKey,
    string Fingerprint,
    [property: JsonConverter(typeof(AuditTimeJsonConverter))] DateTimeOffset CreatedAt,
    [property: JsonConverter(typeof(NullableAuditTimeJsonConverter))] DateTimeOffset? RetiredAt);

/// <summary>
/// A signing key as stored: only its public half and the version its private half is derived with from the master key
/// (<see cref="AuditSigningKeys.Derive"/>); the private key is never stored. At most one row is not retired.
/// </summary>
public sealed class AuditSigningKeyRecord
{
    public const int KeyIdLength = 16;

    public required string KeyId { get; init; }

    /// <summary>1 for the first key, one more for each rotation: the number in the derivation label.</summary>
    public required int Version { get; init; }

    public required string PublicKey { get; init; }

    public required string Fingerprint { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RetiredAt { get; set; }

    public AuditSigningKey ToPublicKey() => new(KeyId, PublicKey, Fingerprint, CreatedAt, RetiredAt);
}

internal sealed class AuditSigningKeyRecordConfiguration : IEntityTypeConfiguration<AuditSigningKeyRecord>
{
    public void Configure(EntityTypeBuilder<AuditSigningKeyRecord> builder)
    {
        builder.ToTable("AuditSigningKeys");
        builder.HasKey(k => k.KeyId);
        builder.Property(k => k.KeyId).HasMaxLength(AuditSigningKeyRecord.KeyIdLength);
        // Two instances rotating at once derive the same next key; only one row per version can commit.
        builder.HasIndex(k => k.Version).IsUnique();
        builder.Property(k => k.PublicKey).HasMaxLength(256);
        builder.Property(k => k.Fingerprint).HasMaxLength(AuditEvent.HashLength).IsFixedLength();
        builder.Property(k => k.CreatedAt).HasConversion(AuditEventConfiguration.UnixMicroseconds);
        builder.Property(k => k.RetiredAt).HasConversion(AuditEventConfiguration.UnixMicroseconds);
    }
}
