using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Account;

/// <summary>
/// The absolute limit of a staff session. The idle limit is the cookie's sliding expiry; sliding renewal
/// re-issues the cookie with a new <c>IssuedUtc</c>, so the sign-in time travels in the cookie's properties,
/// which renewals, <c>RefreshSignInAsync</c> and security-stamp checks all keep. It is mirrored as a claim
/// for open circuits, which see only the principal (<see cref="StaffAuthenticationStateProvider"/>).
/// </summary>
internal sealed class StaffSessionEvents(TimeProvider clock, IOptions<StaffSecurityOptions> options) : CookieAuthenticationEvents
{
    public const string SignedInAtKey = ".connectidmail.signed-in-at";
    public const string SignedInAtClaim = "connectidmail:signed_in_at";

    public override Task SigningIn(CookieSigningInContext context)
    {
        // A fresh sign-in starts the clock; a refresh of the same session passes the old properties and keeps it.
        context.Properties.Items.TryAdd(SignedInAtKey, clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        if (context.Principal?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == SignedInAtClaim))
        {
            identity.AddClaim(new Claim(SignedInAtClaim, context.Properties.Items[SignedInAtKey]!));
        }

        return base.SigningIn(context);
    }

    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        context.Properties.Items.TryGetValue(SignedInAtKey, out var signedInAt);
        if (!IsWithinAbsoluteLimit(signedInAt, clock, options.Value))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }

        await SecurityStampValidator.ValidatePrincipalAsync(context);

        // With a validation interval of zero, Identity re-issues the cookie on every request. A request still in
        // flight while the stamp changes would then answer with a cookie carrying the old stamp and overwrite the
        // new one; the principal is rebuilt from the database each request anyway, so only sliding expiry renews.
        context.ShouldRenew = false;
    }

    /// <summary>Security-stamp renewal builds a new principal; the sign-in time claim goes with it.</summary>
    public static Task KeepSignInTime(SecurityStampRefreshingPrincipalContext context)
    {
        if (context.CurrentPrincipal?.FindFirst(SignedInAtClaim) is { } claim && context.NewPrincipal?.Identity is ClaimsIdentity identity)
        {
            identity.AddClaim(new Claim(SignedInAtClaim, claim.Value));
        }

        return Task.CompletedTask;
    }

    public static bool IsWithinAbsoluteLimit(string? signedInAt, TimeProvider clock, StaffSecurityOptions options) =>
        DateTimeOffset.TryParseExact(signedInAt, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
        && clock.GetUtcNow() - start < options.SessionAbsoluteLimit;
}
