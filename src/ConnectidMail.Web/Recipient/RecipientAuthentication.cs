using System.Security.Claims;
using ConnectidMail.Verification;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace ConnectidMail.Web.Recipient;

/// <summary>
/// The verified recipient's sign-in: its own cookie scheme, separate from staff sign-in. The cookie carries only the id
/// of a server-side session record (and the address), which is checked on every request, so ending the record ends the
/// session everywhere.
/// </summary>
public static class RecipientAuthentication
{
    public const string Scheme = "Recipient";

    /// <summary>The default authenticate scheme: the recipient cookie when only it is present, else staff sign-in.</summary>
    public const string SelectorScheme = "ConnectidMail.Auto";

    public const string Policy = "recipient";

    public const string CookieName = "__Host-ConnectidMail.Recipient";

    public const string SessionIdClaim = "connectidmail:recipient_session";

    /// <summary>Where <see cref="RecipientCookieEvents"/> leaves the validated session for the request's endpoints.</summary>
    internal const string SessionItem = "connectidmail.recipient-session";

    public static bool IsRecipient(ClaimsPrincipal? user) =>
        user?.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == Scheme) == true;

    public static bool IsStaff(ClaimsPrincipal? user) =>
        user?.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == IdentityConstants.ApplicationScheme) == true;

    public static Guid? SessionId(ClaimsPrincipal? user) =>
        IsRecipient(user) && Guid.TryParse(user!.FindFirstValue(SessionIdClaim), out var id) ? id : null;

    public static string? Email(ClaimsPrincipal? user) => IsRecipient(user) ? user!.FindFirstValue(ClaimTypes.Email) : null;

    public static ClaimsPrincipal PrincipalFor(RecipientSession session) => new(new ClaimsIdentity(
        [new Claim(SessionIdClaim, session.Id.ToString()), new Claim(ClaimTypes.Email, session.Email), new Claim(ClaimTypes.Name, session.Email)],
        Scheme,
        ClaimTypes.Name,
        ClaimTypes.Role));

    /// <summary>The session <see cref="RecipientCookieEvents"/> validated for this request, if any.</summary>
    public static RecipientSession? ValidatedSession(HttpContext http) => http.Items[SessionItem] as RecipientSession;

    internal static void AddRecipientAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<RecipientCookieEvents>();
        builder.Services.AddAuthentication(options => options.DefaultAuthenticateScheme = SelectorScheme)
            .AddCookie(Scheme, options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.Path = "/";
                options.Cookie.IsEssential = true;
                options.LoginPath = "/verify";
                options.AccessDeniedPath = "/verify";
                // The session record holds the real limits (idle 30 min, absolute 12 h); the cookie never outlives the absolute one.
                options.ExpireTimeSpan = TimeSpan.FromHours(12);
                options.SlidingExpiration = false;
                options.EventsType = typeof(RecipientCookieEvents);
            })
            .AddPolicyScheme(SelectorScheme, "Staff or recipient", options => options.ForwardDefaultSelector = context =>
                context.Request.Cookies.ContainsKey(CookieName) && !context.Request.Cookies.ContainsKey("__Host-" + IdentityConstants.ApplicationScheme)
                    ? Scheme
                    : IdentityConstants.ApplicationScheme);

        builder.Services.AddAuthorizationBuilder()
            // Plain [Authorize] means staff: a recipient's principal never opens a staff page or endpoint.
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(IdentityConstants.ApplicationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => IsStaff(context.User))
                .Build())
            .AddPolicy(Policy, policy => policy
                .AddAuthenticationSchemes(Scheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => IsRecipient(context.User) && SessionId(context.User) is not null));
    }
}

/// <summary>Checks the session record behind the cookie on every request; an ended session signs the cookie out.</summary>
internal sealed class RecipientCookieEvents(RecipientSessions sessions) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var session = RecipientAuthentication.SessionId(context.Principal) is { } id
            ? await sessions.ValidateAsync(id, context.HttpContext.RequestAborted)
            : null;
        if (session is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(RecipientAuthentication.Scheme);
            return;
        }

        context.HttpContext.Items[RecipientAuthentication.SessionItem] = session;
    }

    // No return address in the query: the verification page knows where the link pointed.
    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context) => ToVerification(context);

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context) => ToVerification(context);

    private static Task ToVerification(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.Request.PathBase + "/verify");
        return Task.CompletedTask;
    }
}
