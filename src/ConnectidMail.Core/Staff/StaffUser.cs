using Microsoft.AspNetCore.Identity;

namespace ConnectidMail.Staff;

/// <summary>A member of the organisation's staff: sender, auditor or admin. Recipients are not staff users.</summary>
public sealed class StaffUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When an admin disabled the account; a disabled user cannot sign in and their API keys stop working.</summary>
    public DateTimeOffset? DisabledAt { get; set; }
}
