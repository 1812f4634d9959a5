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

        return await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
    }
}
