using System.Security.Claims;
using ConnectidMail.Staff;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Account;

/// <summary>
/// Re-checks a connected staff user every minute, so a disabled or reset account, or a session past its
/// absolute limit, loses open circuits too.
/// </summary>
internal sealed class StaffAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopes,
        IOptions<IdentityOptions> options,
        IOptions<StaffSecurityOptions> staffOptions,
        TimeProvider clock)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        IsStillValidAsync(authenticationState.User);

    internal async Task<bool> IsStillValidAsync(ClaimsPrincipal principal)
    {
        var signedInAt = principal.FindFirstValue(StaffSessionEvents.SignedInAtClaim);
        if (!StaffSessionEvents.IsWithinAbsoluteLimit(signedInAt, clock, staffOptions.Value))
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        var user = await users.GetUserAsync(principal);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            return false;
        }

        var stamp = principal.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        return stamp == await users.GetSecurityStampAsync(user);
    }
}
