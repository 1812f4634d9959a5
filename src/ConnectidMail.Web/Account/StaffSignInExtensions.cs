using ConnectidMail.Staff;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace ConnectidMail.Web.Account;

public static class StaffSignInExtensions
{
    public static WebApplicationBuilder AddStaffSignIn(this WebApplicationBuilder builder)
    {
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<AuthenticationStateProvider, StaffAuthenticationStateProvider>();
        builder.Services.AddScoped<StaffSignIn>();

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

        builder.Services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/Account/Login";
            options.LogoutPath = "/Account/Logout";
            options.AccessDeniedPath = "/Account/AccessDenied";
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.ExpireTimeSpan = TimeSpan.FromMinutes(30);
            options.SlidingExpiration = true;
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

    public static WebApplication MapStaffSignIn(this WebApplication app)
    {
        // A form post from the layout; without a form parameter minimal APIs skip antiforgery, so check it here.
        app.MapPost("/Account/Logout", async Task<IResult> (HttpContext context, [FromServices] IAntiforgery antiforgery, [FromServices] SignInManager<StaffUser> signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The sign-out form expired; reload the page and try again.");
            }

            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/Account/Login");
        });
        return app;
    }
}
