using System.Reflection;

namespace ConnectidMail.Audit;

/// <summary>
/// Every action the audit trail knows, as dotted names (thing.what-happened). Add new ones here, never rename one:
/// stored events are hashed with the name they were written with.
/// </summary>
public static class AuditActions
{
    /// <summary>Every action name of this class, in alphabetical order (for search forms and checking a searched name).</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        .. typeof(AuditActions).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal),
    ];

    public const string MessageCreated = "message.created";
    public const string MessageSent = "message.sent";
    public const string MessageRevoked = "message.revoked";
    public const string MessageExpired = "message.expired";
    public const string MessageOpened = "message.opened";
    public const string NotificationSent = "notification.sent";
    public const string NotificationFailed = "notification.failed";
    public const string CodeSent = "code.sent";
    public const string CodeFailed = "code.failed";
    public const string CodeLocked = "code.locked";
    public const string RecipientVerified = "recipient.verified";
    public const string PasskeyAdded = "passkey.added";
    public const string PasskeyRemoved = "passkey.removed";
    public const string PasskeyRenamed = "passkey.renamed";
    public const string PasskeyFailed = "passkey.failed";
    public const string ConsentGiven = "consent.given";
    public const string ConsentWithdrawn = "consent.withdrawn";
    public const string AttachmentDownloaded = "attachment.downloaded";
    public const string ReplySent = "reply.sent";
    public const string UploadRejected = "upload.rejected";
    public const string AuditExported = "audit.exported";
    public const string KeysRotated = "keys.rotated";

    /// <summary>The checkpoint signing key was rotated (its detail names the new and the retired key id).</summary>
    public const string AuditKeyRotated = "key.rotated";
    public const string StaffSignedIn = "staff.signed-in";
    public const string StaffSignInFailed = "staff.sign-in-failed";
    public const string StaffSignedOut = "staff.signed-out";
    public const string UserCreated = "user.created";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserRolesChanged = "user.roles-changed";
    public const string UserPasswordReset = "user.password-reset";
    public const string UserTwoFactorReset = "user.two-factor-reset";
    public const string UserTwoFactorChanged = "user.two-factor-changed";
    public const string ApiKeyCreated = "api-key.created";
    public const string ApiKeyRevoked = "api-key.revoked";
    public const string PolicyChanged = "policy.changed";
    public const string ConsentTextChanged = "consent-text.changed";
    public const string RecipientReportedNotMe = "recipient.reported-not-me";
}
