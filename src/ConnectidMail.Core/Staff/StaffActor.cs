using ConnectidMail.Audit;
using Microsoft.AspNetCore.Identity;

namespace ConnectidMail.Staff;

public enum StaffActorKind
{
    /// <summary>The admin command line, run by whoever may run the portal's executable.</summary>
    Cli,

    /// <summary>A signed-in staff member, on an admin page.</summary>
    Staff,
}

/// <summary>Who makes a change to staff accounts or API keys, and from where; recorded with the change.</summary>
public sealed record StaffActor(StaffActorKind Kind, string? UserId, string Display, string? IpAddress = null, string? UserAgent = null)
{
    public static StaffActor Cli { get; } = new(StaffActorKind.Cli, null, AuditActor.CommandLine.Display);

    public static StaffActor Staff(string userId, string email, string? ipAddress, string? userAgent) =>
        new(StaffActorKind.Staff, userId, email, ipAddress, userAgent);

    public AuditActor ToAuditActor() => Kind == StaffActorKind.Cli
        ? AuditActor.CommandLine
        : AuditActor.Staff(UserId ?? "", Display, IpAddress, UserAgent);
}

internal static class StaffActorAuthority
{
    /// <summary>
    /// Null when the actor may change staff accounts and API keys, otherwise why not. The pages already require
    /// the Admin role; this re-checks the database, so an admin disabled or demoted a moment ago changes nothing.
    /// </summary>
    public static async Task<string?> RefusalAsync(this UserManager<StaffUser> users, StaffActor actor)
    {
        if (actor.Kind == StaffActorKind.Cli)
        {
            return null;
        }

        var user = actor.UserId is null ? null : await users.FindByIdAsync(actor.UserId);
        return user is { DisabledAt: null } && await users.IsInRoleAsync(user, StaffRoles.Admin)
            ? null
            : "Only an enabled admin may change staff accounts and API keys.";
    }
}
