using System.Security.Claims;
using ConnectidMail.Staff;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Account;

/// <summary>
/// <c>Staff:RequireTwoFactorForRoles</c>: who must have a second factor, who has one, and the claim that marks
/// a session which has to set one up before it reaches any staff page.
/// </summary>
public sealed class TwoFactorEnrolment(UserManager<StaffUser> users, IUserStore<StaffUser> store, IOptions<StaffSecurityOptions> options)
{
    /// <summary>Carried in the session cookie of a user who must set up a second factor first.</summary>
    public const string RequiredClaim = "connectidmail:two_factor_enrolment";

    public const string EnrolPath = "/Account/Manage/EnrolTwoFactor";

    public static bool IsPending(ClaimsPrincipal user) => user.HasClaim(c => c.Type == RequiredClaim);

    public static string EnrolUrl(string returnUrl) => $"{EnrolPath.TrimStart('/')}?returnUrl={Uri.EscapeDataString(returnUrl)}";

    public bool RoleRequiresTwoFactor(ClaimsPrincipal user) => options.Value.RequiresTwoFactor(user);

    public async Task<bool> RoleRequiresTwoFactorAsync(StaffUser user) => options.Value.RequiresTwoFactor(await users.GetRolesAsync(user));

    public async Task<bool> HasAuthenticatorAsync(StaffUser user) =>
        await users.GetTwoFactorEnabledAsync(user) && !string.IsNullOrEmpty(await users.GetAuthenticatorKeyAsync(user));

    /// <summary>
    /// The key an authenticator app is set up with, made on first need. Unlike Identity's reset, a first key leaves
    /// the security stamp alone: nothing signed in with it yet, and a new stamp would make every request the browser
    /// still has in flight with the current cookie answer with a sign-out.
    /// </summary>
    public async Task<string> GetOrCreateAuthenticatorKeyAsync(StaffUser user)
    {
        if (await users.GetAuthenticatorKeyAsync(user) is { Length: > 0 } existing)
        {
            return existing;
        }

        await ((IUserAuthenticatorKeyStore<StaffUser>)store).SetAuthenticatorKeyAsync(user, users.GenerateNewAuthenticatorKey(), CancellationToken.None);
        var saved = await users.UpdateAsync(user);
        if (!saved.Succeeded)
        {
            throw new InvalidOperationException($"The authenticator key could not be saved: {string.Join("; ", saved.Errors.Select(e => e.Code))}");
        }

        return (await users.GetAuthenticatorKeyAsync(user))!;
    }

    public async Task<int> CountPasskeysAsync(StaffUser user) => (await users.GetPasskeysAsync(user)).Count;

    public async Task<bool> HasSecondFactorAsync(StaffUser user) =>
        await HasAuthenticatorAsync(user) || await CountPasskeysAsync(user) > 0;

    /// <summary>Whoever must have a second factor keeps one: turning off the app needs a passkey left.</summary>
    public async Task<bool> MayTurnOffAuthenticatorAsync(StaffUser user, ClaimsPrincipal principal) =>
        !RoleRequiresTwoFactor(principal) || await CountPasskeysAsync(user) > 0;

    /// <summary>Whoever must have a second factor keeps one: removing a passkey needs the app or another passkey.</summary>
    public async Task<bool> MayRemovePasskeyAsync(StaffUser user, ClaimsPrincipal principal) =>
        !RoleRequiresTwoFactor(principal) || await HasAuthenticatorAsync(user) || await CountPasskeysAsync(user) > 1;
}

/// <summary>
/// Builds every staff principal (sign-in, refresh, security-stamp renewal) and adds the enrolment claim
/// when the user's role needs a second factor they do not have yet.
/// </summary>
internal sealed class StaffClaimsPrincipalFactory(
        UserManager<StaffUser> users,
        RoleManager<IdentityRole> roles,
        IOptions<IdentityOptions> options,
        TwoFactorEnrolment enrolment)
    : UserClaimsPrincipalFactory<StaffUser, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(StaffUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (enrolment.RoleRequiresTwoFactor(new ClaimsPrincipal(identity)) && !await enrolment.HasSecondFactorAsync(user))
        {
            identity.AddClaim(new Claim(TwoFactorEnrolment.RequiredClaim, "required"));
        }

        return identity;
    }
}

/// <summary>Marks a staff endpoint that a session still setting up its second factor may use.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class AllowedBeforeTwoFactorEnrolmentAttribute : Attribute;

/// <summary>
/// Server-side gate: a session that must set up a second factor reaches public endpoints (sign-in, assets,
/// health) and the endpoints marked <see cref="AllowedBeforeTwoFactorEnrolmentAttribute"/>, nothing else.
/// Pages are redirected to the enrolment page; interactive circuits are refused outright.
/// </summary>
internal sealed class TwoFactorEnrolmentGate(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!TwoFactorEnrolment.IsPending(context.User) || IsAllowed(context))
        {
            return next(context);
        }

        if (context.Request.Path.StartsWithSegments("/_blazor"))
        {
            // A bare 403 for the circuit's script; a status page rendered in its place would only confuse it.
            context.Features.Get<IStatusCodePagesFeature>()?.Enabled = false;
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        var returnUrl = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        context.Response.Redirect($"{context.Request.PathBase}/{TwoFactorEnrolment.EnrolUrl(returnUrl)}");
        return Task.CompletedTask;
    }

    private static bool IsAllowed(HttpContext context)
    {
        // Circuits carry no endpoint metadata of the page they render, so none may start before enrolment.
        if (context.Request.Path.StartsWithSegments("/_blazor"))
        {
            return false;
        }

        var metadata = context.GetEndpoint()?.Metadata;
        return metadata is null
            || metadata.GetMetadata<AllowedBeforeTwoFactorEnrolmentAttribute>() is not null
            || metadata.GetMetadata<IAllowAnonymous>() is not null
            || metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0;
    }
}
