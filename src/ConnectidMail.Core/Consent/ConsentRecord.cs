using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Consent;

/// <summary>
/// A verified recipient's consent to one version of the consent text: who, when, which version, the SHA-256 of the
/// exact text shown, and how (IP, browser). Withdrawal is recorded on the same row.
/// </summary>
public sealed class ConsentRecord
{
    public long Id { get; set; }

    public required string NormalizedEmail { get; set; }

    public required string Version { get; set; }

    /// <summary>The language of the text shown ("en", "da").</summary>
    public required string Language { get; set; }

    /// <summary>SHA-256 of the exact text shown, UTF-8.</summary>
    public required byte[] TextHash { get; set; }

    public DateTimeOffset GivenAt { get; set; }

    public Guid? SessionId { get; set; }

    public string? ClientIp { get; set; }

    public string? UserAgent { get; set; }

    public DateTimeOffset? WithdrawnAt { get; set; }

    public string? WithdrawnFromIp { get; set; }

    public string? WithdrawnUserAgent { get; set; }
}

internal sealed class ConsentRecordConfiguration : IEntityTypeConfiguration<ConsentRecord>
{
    public void Configure(EntityTypeBuilder<ConsentRecord> builder)
    {
        builder.ToTable("ConsentRecords");
        builder.Property(c => c.NormalizedEmail).HasMaxLength(254);
        builder.Property(c => c.Version).HasMaxLength(64);
        builder.Property(c => c.Language).HasMaxLength(8);
        builder.Property(c => c.ClientIp).HasMaxLength(64);
        builder.Property(c => c.UserAgent).HasMaxLength(512);
        builder.Property(c => c.WithdrawnFromIp).HasMaxLength(64);
        builder.Property(c => c.WithdrawnUserAgent).HasMaxLength(512);
        builder.HasIndex(c => new { c.NormalizedEmail, c.Version });
    }
}
