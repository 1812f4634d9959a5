using ConnectidMail.Staff;
using Microsoft.AspNetCore.Identity;

namespace ConnectidMail.Web.Account;

/// <summary>
/// Password sign-in with lockout. An unknown address costs the same password hashing as a known one,
/// so response times do not reveal which staff addresses exist.
/// </summary>
internal sealed class StaffSignIn(SignInManager<StaffUser> signIn, UserManager<StaffUser> users, IPasswordHasher<StaffUser> hasher)
{
    private static readonly Lazy<string> DecoyHash = new(() =>
        new PasswordHasher<StaffUser>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions
        {
            IterationCount = StaffAccountsExtensions.PasswordHashIterations,
        })).HashPassword(new StaffUser(), Guid.NewGuid().ToString()));

    public async Task<SignInResult> PasswordSignInAsync(string email, string password)
    {
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null)
        {
            hasher.VerifyHashedPassword(new StaffUser(), DecoyHash.Value, password);
            return SignInResult.Failed;
        }

        var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
        return result.IsNotAllowed ? await DisabledAccountResultAsync(user, password) : result;
    }

    /// <summary>
    /// Identity refuses a disabled account (NotAllowed) before it looks at the password. Say "disabled" only to
    /// someone who knows the password; anyone else gets the ordinary failure, counted towards a lockout.
    /// </summary>
    private async Task<SignInResult> DisabledAccountResultAsync(StaffUser user, string password)
    {
        if (await users.IsLockedOutAsync(user))
        {
            return SignInResult.LockedOut;
        }

        if (await users.CheckPasswordAsync(user, password))
        {
            return SignInResult.NotAllowed;
        }

        await users.AccessFailedAsync(user);
        return await users.IsLockedOutAsync(user) ? SignInResult.LockedOut : SignInResult.Failed;
    }
}
