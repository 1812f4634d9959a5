namespace ConnectidMail.Staff;

public static class StaffRoles
{
    public const string Sender = "Sender";
    public const string Auditor = "Auditor";
    public const string Admin = "Admin";

    public static IReadOnlyList<string> All { get; } = [Sender, Auditor, Admin];

    /// <summary>The roles an API key may act with; admin rights never travel in a key.</summary>
    public static IReadOnlyList<string> ApiKeyRoles { get; } = [Sender, Auditor];

    public static string? Canonical(string role) =>
        All.FirstOrDefault(r => string.Equals(r, role.Trim(), StringComparison.OrdinalIgnoreCase));
}
