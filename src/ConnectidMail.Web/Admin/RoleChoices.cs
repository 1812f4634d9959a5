using ConnectidMail.Staff;

namespace ConnectidMail.Web.Admin;

/// <summary>One checkbox per staff role, as the user and role forms post them.</summary>
internal class RoleChoices
{
    public bool Sender { get; set; }

    public bool Auditor { get; set; }

    public bool Admin { get; set; }

    public IReadOnlyList<string> Selected =>
        [.. new[] { (Sender, StaffRoles.Sender), (Auditor, StaffRoles.Auditor), (Admin, StaffRoles.Admin) }.Where(c => c.Item1).Select(c => c.Item2)];

    public static RoleChoices From(IReadOnlyCollection<string> roles) => new()
    {
        Sender = roles.Contains(StaffRoles.Sender),
        Auditor = roles.Contains(StaffRoles.Auditor),
        Admin = roles.Contains(StaffRoles.Admin),
    };
}
