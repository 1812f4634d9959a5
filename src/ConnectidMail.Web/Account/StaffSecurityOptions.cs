using System.Globalization;
using System.Security.Claims;
using ConnectidMail.Staff;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Account;

/// <summary>Second-factor and session rules for staff (<c>Staff:*</c> settings).</summary>
public sealed class StaffSecurityOptions
{
    public const string Section = "Staff";

    /// <summary>
    /// Staff in these roles must have an authenticator app or a passkey; without one they are sent to set one
    /// up right after signing in and reach nothing else. Default <c>Admin</c>; an empty value means no role.
    /// </summary>
    public List<string> RequireTwoFactorForRoles { get; set; } = [];

    /// <summary>A staff session ends after this long without a request.</summary>
    public int SessionIdleMinutes { get; set; } = 30;

    /// <summary>A staff session ends this long after its sign-in, however busy it is.</summary>
    public int SessionAbsoluteHours { get; set; } = 12;

    public TimeSpan SessionIdleLimit => TimeSpan.FromMinutes(SessionIdleMinutes);

    public TimeSpan SessionAbsoluteLimit => TimeSpan.FromHours(SessionAbsoluteHours);

    public bool RequiresTwoFactor(ClaimsPrincipal user) => RequiredRoles.Any(user.IsInRole);

    public bool RequiresTwoFactor(IEnumerable<string> roles) => roles.Any(RequiredRoles.Contains);

    /// <summary>The setting's roles as the database spells them; unknown names stop the start before they get here.</summary>
    private IEnumerable<string> RequiredRoles => RequireTwoFactorForRoles.Select(StaffRoles.Canonical).OfType<string>();
}

/// <summary>
/// Binds <c>Staff:*</c>. The role list is read by hand: the configuration binder appends to a default list
/// instead of replacing it, and a single value (<c>Admin,Auditor</c>, or empty for none) is easier to give
/// in an environment variable than numbered entries.
/// </summary>
internal sealed class StaffSecurityOptionsSetup(IConfiguration configuration)
    : IConfigureOptions<StaffSecurityOptions>, IValidateOptions<StaffSecurityOptions>
{
    private const int MaxIdleMinutes = 24 * 60;
    private const int MaxAbsoluteHours = 30 * 24;

    public void Configure(StaffSecurityOptions options)
    {
        var section = configuration.GetSection(StaffSecurityOptions.Section);
        section.Bind(options);

        var roles = section.GetSection(nameof(StaffSecurityOptions.RequireTwoFactorForRoles));
        if (!roles.GetChildren().Any())
        {
            options.RequireTwoFactorForRoles = roles.Value is { } list
                ? [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
                : [StaffRoles.Admin];
        }
    }

    public ValidateOptionsResult Validate(string? name, StaffSecurityOptions options)
    {
        var failures = new List<string>();
        foreach (var role in options.RequireTwoFactorForRoles.Where(r => StaffRoles.Canonical(r) is null))
        {
            failures.Add($"Staff:RequireTwoFactorForRoles '{role}' is not a role; use {string.Join(", ", StaffRoles.All)} (comma-separated), or an empty value for none.");
        }

        if (options.SessionIdleMinutes is < 1 or > MaxIdleMinutes)
        {
            failures.Add($"Staff:SessionIdleMinutes {options.SessionIdleMinutes.ToString(CultureInfo.InvariantCulture)} is out of range; use 1 to {MaxIdleMinutes.ToString(CultureInfo.InvariantCulture)} minutes.");
        }

        if (options.SessionAbsoluteHours is < 1 or > MaxAbsoluteHours)
        {
            failures.Add($"Staff:SessionAbsoluteHours {options.SessionAbsoluteHours.ToString(CultureInfo.InvariantCulture)} is out of range; use 1 to {MaxAbsoluteHours.ToString(CultureInfo.InvariantCulture)} hours.");
        }
        else if (options.SessionIdleLimit > options.SessionAbsoluteLimit)
        {
            failures.Add("Staff:SessionIdleMinutes is longer than Staff:SessionAbsoluteHours; the idle limit must fit inside the absolute one.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
