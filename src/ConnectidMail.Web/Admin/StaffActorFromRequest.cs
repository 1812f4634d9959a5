using System.Security.Claims;
using ConnectidMail.Staff;

namespace ConnectidMail.Web.Admin;

internal static class StaffActorFromRequest
{
    /// <summary>The signed-in admin making a change on a page, with the address and browser it came from.</summary>
    public static StaffActor ToStaffActor(this HttpContext context) =>
        StaffActor.Staff(
            context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "",
            context.User.Identity?.Name ?? "",
            context.Connection.RemoteIpAddress?.ToString(),
            context.Request.Headers.UserAgent.ToString() is { Length: > 0 } userAgent ? userAgent : null);
}
