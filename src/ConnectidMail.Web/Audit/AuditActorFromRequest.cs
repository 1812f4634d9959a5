using System.Security.Claims;
using ConnectidMail.Audit;
using ConnectidMail.Web.Api;
using ConnectidMail.Web.Recipient;

namespace ConnectidMail.Web.Audit;

internal static class AuditActorFromRequest
{
    /// <summary>
    /// The caller of the current request as an audit actor, with its address and browser: a program with an API key,
    /// a signed-in staff member, or a recipient session (whose id is the session's; pass the recipient where known).
    /// </summary>
    public static AuditActor ToAuditActor(this HttpContext context)
    {
        var user = context.User;
        var ipAddress = context.Connection.RemoteIpAddress?.ToString();
        var userAgent = context.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null;
        var email = user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "";
        if (Guid.TryParse(user.FindFirstValue(ApiKeyAuthentication.KeyIdClaim), out var keyId))
        {
            return AuditActor.ApiKey(keyId, email, ipAddress, userAgent);
        }

        if (RecipientAuthentication.IsRecipient(user))
        {
            return new AuditActor(AuditActorKind.Recipient, RecipientAuthentication.SessionId(user)?.ToString(), email, ipAddress, userAgent);
        }

        return user.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId
            ? AuditActor.Staff(userId, user.Identity?.Name ?? email, ipAddress, userAgent)
            : new AuditActor(AuditActorKind.System, null, "anonymous request", ipAddress, userAgent);
    }
}
