using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Verification;

/// <summary>
/// A verified recipient's session, held on the server: the cookie carries only its id, so ending the record ends the
/// session everywhere (sign-out, consent withdrawn, "this wasn't me", idle or absolute limit).
/// </summary>
public sealed class RecipientSession
{
    public const int MaxUserAgentLength = 512;

    /// <summary>Random (version 4); a new one for every verification.</summary>
    public Guid Id { get; set; }

    public required string Email { get; set; }

    public required string NormalizedEmail { get; set; }

    /// <summary>How the recipient was verified: <see cref="VerificationMethods"/>.</summary>
    public required string Method { get; set; }

    /// <summary>The passkey (<c>RecipientPasskey</c> id) that verified the session; null for a code.</summary>
    public Guid? PasskeyId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string? EndReason { get; set; }

    public string? ClientIp { get; set; }

    public string? UserAgent { get; set; }
}

/// <summary>A message whose access code was entered in a session.</summary>
public sealed class RecipientSessionUnlock
{
    public Guid SessionId { get; set; }

    public Guid MessageId { get; set; }

    public DateTimeOffset UnlockedAt { get; set; }
}

public static class VerificationMethods
{
    public const string Code = "code";
    public const string Passkey = "passkey";
}

public static class SessionEndReasons
{
    public const string SignedOut = "signed-out";
    public const string Idle = "idle";
    public const string Absolute = "absolute";
    public const string ConsentWithdrawn = "consent-withdrawn";
    public const string NotMe = "not-me";
}

internal sealed class RecipientSessionConfiguration : IEntityTypeConfiguration<RecipientSession>
{
    public void Configure(EntityTypeBuilder<RecipientSession> builder)
    {
        builder.ToTable("RecipientSessions");
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Email).HasMaxLength(254);
        builder.Property(s => s.NormalizedEmail).HasMaxLength(254);
        builder.Property(s => s.Method).HasMaxLength(16);
        builder.Property(s => s.EndReason).HasMaxLength(32);
        builder.Property(s => s.ClientIp).HasMaxLength(64);
        builder.Property(s => s.UserAgent).HasMaxLength(RecipientSession.MaxUserAgentLength);
        builder.HasIndex(s => new { s.NormalizedEmail, s.EndedAt });
    }
}

internal sealed class RecipientSessionUnlockConfiguration : IEntityTypeConfiguration<RecipientSessionUnlock>
{
    public void Configure(EntityTypeBuilder<RecipientSessionUnlock> builder)
    {
        builder.ToTable("RecipientSessionUnlocks");
        builder.HasKey(u => new { u.SessionId, u.MessageId });
        builder.HasOne<RecipientSession>().WithMany().HasForeignKey(u => u.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
