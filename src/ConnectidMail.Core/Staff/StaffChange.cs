using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Staff;

/// <summary>
/// One change to staff accounts or API keys, written in the same transaction as the change itself. Rows are only
/// ever added (every property is init-only and no code updates or deletes them); they never hold a password, key
/// or token.
/// </summary>
public sealed class StaffChange
{
    public const int MaxDetailLength = 2000;
    public const int MaxUserAgentLength = 512;

    public long Id { get; init; }

    /// <summary>UTC.</summary>
    public DateTimeOffset At { get; init; }

    public StaffActorKind ActorKind { get; init; }

    /// <summary>The acting staff user's id; null for the command line.</summary>
    public string? ActorId { get; init; }

    public required string ActorDisplay { get; init; }

    /// <summary>One of <see cref="StaffChangeActions"/>.</summary>
    public required string Action { get; init; }

    /// <summary>The id of the user or API key changed.</summary>
    public required string SubjectId { get; init; }

    public required string SubjectDisplay { get; init; }

    /// <summary>A small JSON object with what changed (roles before and after, a key's name and expiry).</summary>
    public string? Detail { get; init; }

    public string? IpAddress { get; init; }

    public string? UserAgent { get; init; }
}

public static class StaffChangeActions
{
    public const string UserCreated = "user.created";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserRolesChanged = "user.roles-changed";
    public const string UserPasswordReset = "user.password-reset";
    public const string UserTwoFactorReset = "user.two-factor-reset";
    public const string ApiKeyCreated = "api-key.created";
    public const string ApiKeyRevoked = "api-key.revoked";
}

internal sealed class StaffChangeConfiguration : IEntityTypeConfiguration<StaffChange>
{
    public void Configure(EntityTypeBuilder<StaffChange> builder)
    {
        builder.HasKey(c => c.Id);
        builder.Property(c => c.ActorKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.ActorId).HasMaxLength(450);
        builder.Property(c => c.ActorDisplay).HasMaxLength(256);
        builder.Property(c => c.Action).HasMaxLength(64);
        builder.Property(c => c.SubjectId).HasMaxLength(450);
        builder.Property(c => c.SubjectDisplay).HasMaxLength(512);
        builder.Property(c => c.Detail).HasMaxLength(StaffChange.MaxDetailLength);
        builder.Property(c => c.IpAddress).HasMaxLength(64);
        builder.Property(c => c.UserAgent).HasMaxLength(StaffChange.MaxUserAgentLength);
        builder.HasIndex(c => c.At);
        builder.HasIndex(c => c.SubjectId);
    }
}
