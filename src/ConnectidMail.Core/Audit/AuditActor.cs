namespace ConnectidMail.Audit;

/// <summary>Stored and hashed by these names (camelCase in the canonical form): staff, recipient, apiKey, system.</summary>
public enum AuditActorKind
{
    /// <summary>A signed-in staff member.</summary>
    Staff,

    /// <summary>A recipient, identified by a verification or a recipient session.</summary>
    Recipient,

    /// <summary>A program using a staff member's API key.</summary>
    ApiKey,

    /// <summary>The portal itself (background work) or the admin command line.</summary>
    System,
}

/// <summary>
/// Who did it. <see cref="IpAddress"/> and <see cref="UserAgent"/> are taken from the current request when left
/// null (see <see cref="IAuditRequestOrigin"/>); give them when the request is not at hand, as in a Blazor circuit.
/// </summary>
public sealed record AuditActor(AuditActorKind Kind, string? Id, string Display, string? IpAddress = null, string? UserAgent = null)
{
    /// <summary>The portal's own background work, e.g. the mail dispatcher or expiry.</summary>
    public static AuditActor Portal { get; } = new(AuditActorKind.System, null, "portal");

    /// <summary>The admin command line, run by whoever may run the portal's executable.</summary>
    public static AuditActor CommandLine { get; } = new(AuditActorKind.System, null, $"admin CLI (OS user {Environment.UserName})");

    public static AuditActor Staff(string userId, string email, string? ipAddress = null, string? userAgent = null) =>
        new(AuditActorKind.Staff, userId, email, ipAddress, userAgent);

    public static AuditActor Recipient(Guid recipientId, string email, string? ipAddress = null, string? userAgent = null) =>
        new(AuditActorKind.Recipient, recipientId.ToString(), email, ipAddress, userAgent);

    public static AuditActor ApiKey(Guid keyId, string ownerEmail, string? ipAddress = null, string? userAgent = null) =>
        new(AuditActorKind.ApiKey, keyId.ToString(), ownerEmail, ipAddress, userAgent);
}

/// <summary>The ids an event concerns; any may be null.</summary>
public readonly record struct AuditSubjects(Guid? MessageId = null, Guid? RecipientId = null, Guid? AttachmentId = null, string? SubjectId = null);

/// <summary>Where the current request came from; the web project reads it from the HTTP request, elsewhere there is none.</summary>
public interface IAuditRequestOrigin
{
    string? IpAddress { get; }

    string? UserAgent { get; }
}

internal sealed class NoRequestOrigin : IAuditRequestOrigin
{
    public string? IpAddress => null;

    public string? UserAgent => null;
}
