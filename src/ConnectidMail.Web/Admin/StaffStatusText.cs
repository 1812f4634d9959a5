using ConnectidMail.Staff;

namespace ConnectidMail.Web.Admin;

internal static class StaffStatusText
{
    public static string Describe(StaffSummary member) =>
        member.DisabledAt is { } disabledAt ? $"Disabled since {UtcText.Format(disabledAt)} UTC"
        : member.LockedOutUntil is { } lockedOutUntil ? $"Locked out until {UtcText.Format(lockedOutUntil)} UTC"
        : "Active";
}
