using System.Globalization;
using System.Security.Claims;
using ConnectidMail.Messaging;

namespace ConnectidMail.Web.Messaging;

/// <summary>How the sender pages word statuses, times and sizes: UTC, the same in every browser language.</summary>
public static class MessageText
{
    /// <summary>A recipient's status (the API's value) in words.</summary>
    public static string Status(string status) => status switch
    {
        RecipientStatus.Pending => "Notification waiting to be sent",
        RecipientStatus.Notified => "Notified",
        RecipientStatus.DeliveryFailed => "Notification could not be delivered",
        RecipientStatus.Verified => "Verified, not opened yet",
        RecipientStatus.Opened => "Opened",
        RecipientStatus.Replied => "Replied",
        RecipientStatus.Revoked => "Withdrawn",
        RecipientStatus.Expired => "Expired",
        _ => status,
    };

    public static string Time(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "—";

    /// <summary>A date as the compose page's date box takes it.</summary>
    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Size(long bytes) => ByteSize.Format(bytes);

    /// <summary>The signed-in staff member's user id, as messages name their sender.</summary>
    public static string? UserId(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);
}
