using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Passkeys;

/// <summary>A recipient's WebAuthn credential. It belongs to an address, not to a person or account: recipients have none.</summary>
public sealed class RecipientPasskey
{
    public const int MaxNameLength = 64;

    public Guid Id { get; set; }

    /// <summary>Upper-case address whose messages the passkey opens.</summary>
    public required string NormalizedEmail { get; set; }

    public required byte[] CredentialId { get; set; }

    /// <summary>COSE public key as the authenticator gave it.</summary>
    public required byte[] PublicKey { get; set; }

    /// <summary>The authenticator's signature counter at the last use (0 when it keeps none).</summary>
    public long SignCount { get; set; }

    /// <summary>WebAuthn user id: one random value per address, the same for all its passkeys.</summary>
    public required byte[] UserHandle { get; set; }

    public Guid AaGuid { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>The recipient session the passkey was added in.</summary>
    public Guid EnrolledInSessionId { get; set; }

    /// <summary>How that session was verified (<see cref="Verification.VerificationMethods"/>): what vouches for the passkey.</summary>
    public required string EnrolledAfter { get; set; }
}

/// <summary>A message whose access code had been entered in the session a passkey was added in.</summary>
public sealed class RecipientPasskeyUnlock
{
    public Guid PasskeyId { get; set; }

    public Guid MessageId { get; set; }
}

/// <summary>
/// A ceremony's options kept on the server until its answer comes back: found by the hash of its challenge, used once,
/// short-lived, and bound to the address (and for enrolment the session) it was made for.
/// </summary>
public sealed class PasskeyChallenge
{
    public Guid Id { get; set; }

    public required byte[] ChallengeHash { get; set; }

    /// <summary><see cref="PasskeyCeremonies"/>.</summary>
    public required string Ceremony { get; set; }

    public required string NormalizedEmail { get; set; }

    public Guid? SessionId { get; set; }

    public required string OptionsJson { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

public static class PasskeyCeremonies
{
    public const string Enrol = "enrol";
    public const string Verify = "verify";
}

internal sealed class RecipientPasskeyConfiguration : IEntityTypeConfiguration<RecipientPasskey>
{
    public void Configure(EntityTypeBuilder<RecipientPasskey> builder)
    {
        builder.ToTable("RecipientPasskeys");
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.Property(p => p.NormalizedEmail).HasMaxLength(254);
        builder.Property(p => p.CredentialId).HasMaxLength(1023);
        builder.Property(p => p.UserHandle).HasMaxLength(64);
        builder.Property(p => p.Name).HasMaxLength(RecipientPasskey.MaxNameLength);
        builder.Property(p => p.EnrolledAfter).HasMaxLength(16);
        builder.HasIndex(p => p.CredentialId).IsUnique();
        builder.HasIndex(p => p.NormalizedEmail);
    }
}

internal sealed class RecipientPasskeyUnlockConfiguration : IEntityTypeConfiguration<RecipientPasskeyUnlock>
{
    public void Configure(EntityTypeBuilder<RecipientPasskeyUnlock> builder)
    {
        builder.ToTable("RecipientPasskeyUnlocks");
        builder.HasKey(u => new { u.PasskeyId, u.MessageId });
        builder.HasOne<RecipientPasskey>().WithMany().HasForeignKey(u => u.PasskeyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PasskeyChallengeConfiguration : IEntityTypeConfiguration<PasskeyChallenge>
{
    public void Configure(EntityTypeBuilder<PasskeyChallenge> builder)
    {
        builder.ToTable("PasskeyChallenges");
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.ChallengeHash).HasMaxLength(32);
        builder.Property(c => c.Ceremony).HasMaxLength(16);
        builder.Property(c => c.NormalizedEmail).HasMaxLength(254);
        builder.HasIndex(c => c.ChallengeHash).IsUnique();
        builder.HasIndex(c => c.ExpiresAt);
    }
}
