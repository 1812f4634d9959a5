using ConnectidMail.Staff;
using ConnectidMail.Web.Hardening;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Account;

public static class StaffSignInExtensions
{
    public static WebApplicationBuilder AddStaffSignIn(this WebApplicationBuilder builder)
    {
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<AuthenticationStateProvider, StaffAuthenticationStateProvider>();
        builder.Services.AddScoped<StaffSignIn>();
        builder.Services.AddOptions<StaffSecurityOptions>().ValidateOnStart();
        builder.Services.AddSingleton<StaffSecurityOptionsSetup>();
        builder.Services.AddSingleton<IConfigureOptions<StaffSecurityOptions>>(sp => sp.GetRequiredService<StaffSecurityOptionsSetup>());
        builder.Services.AddSingleton<IValidateOptions<StaffSecurityOptions>>(sp => sp.GetRequiredService<StaffSecurityOptionsSetup>());
        AddTwoFactor(builder.Services);

        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();

        // __Host- cookies: always Secure (browsers accept that on http://localhost), no Domain, path /.
        string[] schemes = [IdentityConstants.ApplicationScheme, IdentityConstants.ExternalScheme,
            IdentityConstants.TwoFactorRememberMeScheme, IdentityConstants.TwoFactorUserIdScheme];
        foreach (var scheme in schemes)
        {
            builder.Services.Configure<CookieAuthenticationOptions>(scheme, options =>
            {
                options.Cookie.Name = $"__Host-{scheme}";
                options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                options.Cookie.HttpOnly = true;
                options.Cookie.Path = "/";
            });
        }

        builder.Services.AddScoped<StaffSessionEvents>();
        builder.Services.Configure<SecurityStampValidatorOptions>(options => options.OnRefreshingPrincipal = StaffSessionEvents.KeepSignInTime);
        builder.Services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<IOptions<StaffSecurityOptions>>((options, staff) =>
            {
                options.LoginPath = "/Account/Login";
                options.LogoutPath = "/Account/Logout";
                options.AccessDeniedPath = "/Account/AccessDenied";
                options.Cookie.SameSite = SameSiteMode.Lax;
                // The idle limit; sliding renewal happens once half of it has passed, so a session idle for
                // this long is always over. StaffSessionEvents adds the absolute limit and the security stamp check.
                options.ExpireTimeSpan = staff.Value.SessionIdleLimit;
                options.SlidingExpiration = true;
                options.EventsType = typeof(StaffSessionEvents);
            });

        builder.Services.AddAntiforgery(options => options.Cookie = new AlwaysSecureCookieBuilder
        {
            Name = "__Host-ConnectidMail.Antiforgery",
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            IsEssential = true,
        });
        return builder;
    }

    private static void AddTwoFactor(IServiceCollection services)
    {
        services.AddScoped<TwoFactorEnrolment>();
        services.AddScoped<OwnTwoFactorChanges>();
        services.Replace(ServiceDescriptor.Scoped<IUserClaimsPrincipalFactory<StaffUser>, StaffClaimsPrincipalFactory>());
        services.AddTransient<SingleUseAuthenticatorTokenProvider>();
        services.Configure<IdentityOptions>(options => options.Tokens.ProviderMap[TokenOptions.DefaultAuthenticatorProvider] =
            new TokenProviderDescriptor(typeof(SingleUseAuthenticatorTokenProvider)));
        services.Configure<IdentityPasskeyOptions>(options =>
        {
            // Discoverable passkeys: "Log in with a passkey" asks for no address, so it reveals none.
            options.ResidentKeyRequirement = "required";
            options.UserVerificationRequirement = "required";
            options.ValidateOrigin = context => ValueTask.FromResult(IsOwnOrigin(context));
        });
    }

    /// <summary>
    /// Identity compares the browser's origin with the request's Origin header, which browsers send as "null"
    /// from pages under <c>Referrer-Policy: no-referrer</c>; the portal's own address is what counts.
    /// </summary>
    private static bool IsOwnOrigin(PasskeyOriginValidationContext context)
    {
        var request = context.HttpContext.Request;
        return !context.CrossOrigin
            && Uri.TryCreate(context.Origin, UriKind.Absolute, out var origin)
            && string.Equals(origin.GetLeftPart(UriPartial.Authority), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Maps the sign-in endpoints and puts the two-factor enrolment gate in the pipeline.</summary>
    public static WebApplication MapStaffSignIn(this WebApplication app)
    {
        app.UseMiddleware<TwoFactorEnrolmentGate>();

        // A form post from the layout; without a form parameter minimal APIs skip antiforgery, so check it here.
        app.MapPost("/Account/Logout", async Task<IResult> (HttpContext context, [FromServices] IAntiforgery antiforgery, [FromServices] StaffSignIn signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return FormExpired();
            }

            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/Account/Login");
        });

        // Options for the browser's passkey ceremonies (wwwroot-assets/js/passkeys.js); the ceremony state
        // travels in Identity's short-lived two-factor cookie until the form post completes it.
        app.MapPost("/Account/PasskeyRequestOptions", async Task<IResult> (HttpContext context, [FromServices] IAntiforgery antiforgery, [FromServices] SignInManager<StaffUser> signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return FormExpired();
            }

            return TypedResults.Content(await signIn.MakePasskeyRequestOptionsAsync(user: null), "application/json");
        }).RequireRateLimit(RateLimits.Passkeys);

        app.MapPost("/Account/PasskeyCreationOptions", async Task<IResult> (HttpContext context, [FromServices] IAntiforgery antiforgery, [FromServices] SignInManager<StaffUser> signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return FormExpired();
            }

            var user = await signIn.UserManager.GetUserAsync(context.User);
            if (user is null)
            {
                return TypedResults.NotFound();
            }

            var name = user.Email ?? user.Id;
            return TypedResults.Content(
                await signIn.MakePasskeyCreationOptionsAsync(new PasskeyUserEntity { Id = user.Id, Name = name, DisplayName = name }),
                "application/json");
        }).RequireAuthorization().WithMetadata(new AllowedBeforeTwoFactorEnrolmentAttribute()).RequireRateLimit(RateLimits.Passkeys);
        return app;
    }

    private static IResult FormExpired() =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired; reload the page and try again.");
}
