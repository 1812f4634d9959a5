using Microsoft.AspNetCore.Identity;

namespace ConnectidMail.Staff;

/// <summary>
/// Identity's "confirmed account" check, used for one rule: a disabled staff user may not sign in. Every sign-in
/// path (password, second factor, passkey) asks it first and answers <see cref="SignInResult.NotAllowed"/>.
/// Staff addresses need no confirmation: an admin who knows them creates the accounts.
/// </summary>
internal sealed class EnabledStaffConfirmation : IUserConfirmation<StaffUser>
{
    public Task<bool> IsConfirmedAsync(UserManager<StaffUser> manager, StaffUser user) => Task.FromResult(user.DisabledAt is null);
}
