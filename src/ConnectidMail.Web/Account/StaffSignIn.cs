using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using ConnectidMail.Staff;
using Microsoft.AspNetCore.Identity;

namespace ConnectidMail.Web.Account;

public enum SignInOutcome
{
    SignedIn,

    /// <summary>Signed in, but the role needs a second factor the user has not set up: only enrolment is open.</summary>
    SignedInMustEnrol,

    /// <summary>The password was right; the authenticator-app step follows.</summary>
    NeedsAuthenticatorCode,

    /// <summary>The password was right, but the role needs a second factor and the user's only one is a passkey.</summary>
    NeedsPasskey,

    /// <summary>The password (or passkey) was right, but an admin disabled the account.</summary>
    Disabled,

    LockedOut,
    Failed,
}

/// <summary>
/// Every way a staff member signs in: password (then an authenticator or recovery code when two-factor is on)
/// or a passkey. Failures count towards lockout. An unknown address costs the same password hashing as a
/// known one, so response times do not reveal which staff addresses exist.
/// </summary>
internal sealed class StaffSignIn(
    SignInManager<StaffUser> signIn,
    UserManager<StaffUser> users,
    IPasswordHasher<StaffUser> hasher,
    TwoFactorEnrolment enrolment,
    ConnectidDbContext db,
    AuditTrail audit,
    ILogger<StaffSignIn> logger)
{
    /// <summary>Who a failed attempt names when the typed address is no account: the input itself could be a mistyped password.</summary>
    private static readonly AuditActor UnknownAccount = new(AuditActorKind.Staff, null, "unknown account");

    private static readonly Lazy<string> DecoyHash = new(() =>
        new PasswordHasher<StaffUser>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions
        {
            IterationCount = StaffAccountsExtensions.PasswordHashIterations,
        })).HashPassword(new StaffUser(), Guid.NewGuid().ToString()));

    public async Task<SignInOutcome> PasswordSignInAsync(string email, string password)
    {
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null)
        {
            hasher.VerifyHashedPassword(new StaffUser(), DecoyHash.Value, password);
            return await RecordAsync(SignInOutcome.Failed, null, "password");
        }

        return await RecordAsync(await CheckPasswordAsync(user, password), user, "password");
    }

    private async Task<SignInOutcome> CheckPasswordAsync(StaffUser user, string password)
    {

        // A role that needs two factors never gets in on a password alone; with a passkey but no authenticator
        // app, the passkey is the way in.
        if (await enrolment.RoleRequiresTwoFactorAsync(user)
            && !await enrolment.HasAuthenticatorAsync(user) && await enrolment.CountPasskeysAsync(user) > 0)
        {
            var check = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
            return check.Succeeded ? SignInOutcome.NeedsPasskey
                : check.IsNotAllowed ? await DisabledAccountOutcomeAsync(user, password)
                : Describe(check);
        }

        var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
        return result.IsNotAllowed ? await DisabledAccountOutcomeAsync(user, password) : Describe(result);
    }

    /// <summary>
    /// Identity refuses a disabled account (NotAllowed) before it looks at the password. Say "disabled" only to
    /// someone who knows the password; anyone else gets the ordinary failure, counted towards a lockout.
    /// </summary>
    private async Task<SignInOutcome> DisabledAccountOutcomeAsync(StaffUser user, string password)
    {
        if (await users.IsLockedOutAsync(user))
        {
            return SignInOutcome.LockedOut;
        }

        if (await users.CheckPasswordAsync(user, password))
        {
            return SignInOutcome.Disabled;
        }

        await users.AccessFailedAsync(user);
        return await users.IsLockedOutAsync(user) ? SignInOutcome.LockedOut : SignInOutcome.Failed;
    }

    /// <summary>The user who passed the password step and now owes a second factor, if any.</summary>
    public Task<StaffUser?> PendingTwoFactorUserAsync() => signIn.GetTwoFactorAuthenticationUserAsync();

    public async Task<SignInOutcome> AuthenticatorCodeSignInAsync(string code)
    {
        var user = await PendingTwoFactorUserAsync();
        var outcome = Describe(await signIn.TwoFactorAuthenticatorSignInAsync(WithoutSeparators(code), isPersistent: false, rememberClient: false));
        return await RecordAsync(outcome, user, "authenticator");
    }

    public async Task<SignInOutcome> RecoveryCodeSignInAsync(string code) =>
        await RecordAsync(await CheckRecoveryCodeAsync(code), await PendingTwoFactorUserAsync(), "recovery-code");

    private async Task<SignInOutcome> CheckRecoveryCodeAsync(string code)
    {
        var user = await PendingTwoFactorUserAsync();
        var recoveryCode = NormalizeRecoveryCode(code);
        if (user is null || recoveryCode.Length == 0)
        {
            return SignInOutcome.Failed;
        }

        // Identity neither checks lockout nor counts wrong recovery codes; both apply here as to every other code.
        if (await users.IsLockedOutAsync(user))
        {
            return SignInOutcome.LockedOut;
        }

        var result = await signIn.TwoFactorRecoveryCodeSignInAsync(recoveryCode);
        if (result.Succeeded)
        {
            logger.LogInformation("Staff user {UserId} signed in with a recovery code; {Left} left", user.Id, await users.CountRecoveryCodesAsync(user));
            return Describe(result);
        }

        await users.AccessFailedAsync(user);
        return await users.IsLockedOutAsync(user) ? SignInOutcome.LockedOut : SignInOutcome.Failed;
    }

    public async Task<SignInOutcome> PasskeySignInAsync(string credentialJson)
    {
        try
        {
            var outcome = Describe(await signIn.PasskeySignInAsync(credentialJson));
            var user = outcome is SignInOutcome.SignedIn or SignInOutcome.SignedInMustEnrol ? await users.GetUserAsync(signIn.Context.User) : null;
            return await RecordAsync(outcome, user, "passkey");
        }
        catch (InvalidOperationException e)
        {
            // No ceremony is under way (its short-lived state cookie is missing or expired): a failed sign-in, not an error.
            logger.LogInformation(e, "Passkey sign-in without a passkey request under way");
            return await RecordAsync(SignInOutcome.Failed, null, "passkey");
        }
    }

    /// <summary>
    /// Records a finished sign-in or a failed attempt; a step that passed and owes a second factor is not one yet.
    /// Never the typed password, code or address: an unknown address is recorded as "unknown account".
    /// </summary>
    private async Task<SignInOutcome> RecordAsync(SignInOutcome outcome, StaffUser? user, string method)
    {
        var actor = user is null ? UnknownAccount : AuditActor.Staff(user.Id, user.Email ?? "");
        var about = new AuditSubjects(SubjectId: user?.Id);
        switch (outcome)
        {
            case SignInOutcome.SignedIn or SignInOutcome.SignedInMustEnrol:
                audit.Record(db, actor, AuditActions.StaffSignedIn, about, new { method });
                break;
            case SignInOutcome.Failed or SignInOutcome.LockedOut or SignInOutcome.Disabled:
                audit.Record(db, actor, AuditActions.StaffSignInFailed, about, new { method, reason = ReasonOf(outcome) });
                break;
            default:
                return outcome;
        }

        await db.SaveChangesAsync();
        return outcome;
    }

    private static string ReasonOf(SignInOutcome outcome) => outcome switch
    {
        SignInOutcome.LockedOut => "locked-out",
        SignInOutcome.Disabled => "disabled",
        _ => "wrong-credentials",
    };

    /// <summary>Ends the staff session; a sign-out of someone who was signed in is recorded.</summary>
    public async Task SignOutAsync()
    {
        var user = await users.GetUserAsync(signIn.Context.User);
        await signIn.SignOutAsync();
        if (user is not null)
        {
            audit.Record(db, AuditActor.Staff(user.Id, user.Email ?? ""), AuditActions.StaffSignedOut, new AuditSubjects(SubjectId: user.Id));
            await db.SaveChangesAsync();
        }
    }

    /// <summary>Re-issues the session cookie after a change to the account, keeping the session's sign-in time.</summary>
    public Task RefreshAsync(StaffUser user) => signIn.RefreshSignInAsync(user);

    private SignInOutcome Describe(SignInResult result) => result switch
    {
        { Succeeded: true } => TwoFactorEnrolment.IsPending(signIn.Context.User) ? SignInOutcome.SignedInMustEnrol : SignInOutcome.SignedIn,
        { RequiresTwoFactor: true } => SignInOutcome.NeedsAuthenticatorCode,
        { IsLockedOut: true } => SignInOutcome.LockedOut,
        { IsNotAllowed: true } => SignInOutcome.Disabled,
        _ => SignInOutcome.Failed,
    };

    /// <summary>Apps group the digits with spaces or hyphens.</summary>
    private static string WithoutSeparators(string code) =>
        string.Concat(code.Where(c => !char.IsWhiteSpace(c) && c != '-'));

    /// <summary>Recovery codes are stored as <c>XXXXX-XXXXX</c> in capitals; people type them every which way.</summary>
    private static string NormalizeRecoveryCode(string code)
    {
        var characters = WithoutSeparators(code).ToUpperInvariant();
        return characters.Length == 10 ? $"{characters[..5]}-{characters[5..]}" : characters;
    }
}
