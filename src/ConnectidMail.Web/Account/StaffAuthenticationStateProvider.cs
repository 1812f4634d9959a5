using System.Security.Claims;
using ConnectidMail.Staff;
using ConnectidMail.Verification;
using ConnectidMail.Web.Recipient;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Account;

/// <summary>
/// Re-checks a connected user (staff every minute, recipients every 15 seconds), so a disabled or reset staff account, a
/// staff session past its absolute limit, or an ended recipient session loses open circuits too. A recipient's circuit also hears at once when sessions
/// of its address end in this process (sign-out, consent withdrawn) and drops the user without waiting.
/// </summary>
internal sealed class StaffAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private static readonly AuthenticationState SignedOut = new(new ClaimsPrincipal(new ClaimsIdentity()));

    private readonly IServiceScopeFactory scopes;
    private readonly IOptions<IdentityOptions> options;
    private readonly IOptions<StaffSecurityOptions> staffOptions;
    private readonly TimeProvider clock;
    private readonly RecipientSessionSignals signals;
    private IDisposable? subscription;
    private volatile bool recipientCircuit;

    public StaffAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopes,
        IOptions<IdentityOptions> options,
        IOptions<StaffSecurityOptions> staffOptions,
        TimeProvider clock,
        RecipientSessionSignals signals)
        : base(loggerFactory)
    {
        this.scopes = scopes;
        this.options = options;
        this.staffOptions = staffOptions;
        this.clock = clock;
        this.signals = signals;
        AuthenticationStateChanged += Listen;
    }

    // Staff stay at a minute: a circuit still holds the principal from before a security-stamp refresh on another page
    // (e.g. setting up an authenticator), and a frequent check would sign such a circuit out in the middle of the flow.
    protected override TimeSpan RevalidationInterval => recipientCircuit ? TimeSpan.FromSeconds(15) : TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var user = authenticationState.User;
        if (RecipientAuthentication.IsRecipient(user))
        {
            return await IsRecipientSessionAliveAsync(user);
        }

        return await IsStillValidAsync(user);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            AuthenticationStateChanged -= Listen;
            Interlocked.Exchange(ref subscription, null)?.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task<bool> IsRecipientSessionAliveAsync(ClaimsPrincipal user)
    {
        if (RecipientAuthentication.SessionId(user) is not { } id)
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RecipientSessions>().IsAliveAsync(id);
    }

    private async void Listen(Task<AuthenticationState> changed)
    {
        try
        {
            var user = (await changed).User;
            var email = RecipientAuthentication.Email(user);
            recipientCircuit = email is not null;
            Interlocked.Exchange(ref subscription, email is null ? null : signals.Subscribe(email, () => _ = RecheckAsync(user)))?.Dispose();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A failed state change is the framework's to report; this only follows successful ones.
        }
    }

    private async Task RecheckAsync(ClaimsPrincipal user)
    {
        try
        {
            if (!await IsRecipientSessionAliveAsync(user))
            {
                Interlocked.Exchange(ref subscription, null)?.Dispose();
                SetAuthenticationState(Task.FromResult(SignedOut));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Left to the next periodic revalidation.
        }
    }

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
