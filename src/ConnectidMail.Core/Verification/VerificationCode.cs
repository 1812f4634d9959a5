using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Verification;

/// <summary>A one-time code mailed to a recipient address; stored only encrypted, single use, with a count of wrong tries.</summary>
public sealed class VerificationCode
{
    public Guid Id { get; set; }

    /// <summary>Upper-case address the code was sent to and proves.</summary>
    public required string NormalizedEmail { get; set; }

    /// <summary>The 8 digits, AES-256-GCM under the key derived for codes, bound to <see cref="Id"/>.</summary>
    public required byte[] EncryptedCode { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public int FailedAttempts { get; set; }

    public DateTimeOffset? UsedAt { get; set; }

    public DateTimeOffset LastSentAt { get; set; }
}

/// <summary>One code mail (new or re-sent), counted for the hourly limits per address and per client address.</summary>
public sealed class VerificationCodeSend
{
    public long Id { get; set; }

    public Guid CodeId { get; set; }

    public required string NormalizedEmail { get; set; }

    /// <summary>The client IP that asked; null when unknown.</summary>
    public string? ClientIp { get; set; }

    public DateTimeOffset SentAt { get; set; }
}

internal sealed class VerificationCodeConfiguration : IEntityTypeConfiguration<VerificationCode>
{
    public void Configure(EntityTypeBuilder<VerificationCode> builder)
    {
        builder.ToTable("VerificationCodes");
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.NormalizedEmail).HasMaxLength(254);
        builder.HasIndex(c => new { c.NormalizedEmail, c.CreatedAt });
    }
}

internal sealed class VerificationCodeSendConfiguration : IEntityTypeConfiguration<VerificationCodeSend>
{
    public void Configure(EntityTypeBuilder<VerificationCodeSend> builder)
    {
        builder.ToTable("VerificationCodeSends");
        builder.Property(s => s.NormalizedEmail).HasMaxLength(254);
        builder.Property(s => s.ClientIp).HasMaxLength(64);
        builder.HasIndex(s => new { s.NormalizedEmail, s.SentAt });
        builder.HasIndex(s => new { s.ClientIp, s.SentAt });
        builder.HasOne<VerificationCode>().WithMany().HasForeignKey(s => s.CodeId).OnDelete(DeleteBehavior.Cascade);
    }
}
