using System.Globalization;

namespace ConnectidMail.Web.Admin;

/// <summary>Times on the admin pages: UTC, minutes, the same in every browser language.</summary>
internal static class UtcText
{
    public static string Format(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "—";
}
