using ConnectidMail.Languages;
using Microsoft.AspNetCore.Localization;

namespace ConnectidMail.Web.Languages;

public static class LanguagesWebExtensions
{
    /// <summary>Localisation of the recipient pages (.resx through <c>IStringLocalizer</c>) and the mails' languages.</summary>
    public static WebApplicationBuilder AddRecipientLanguages(this WebApplicationBuilder builder)
    {
        builder.AddLanguages();
        builder.Services.AddLocalization();
        builder.Services.Configure<RequestLocalizationOptions>(options =>
        {
            options.SetDefaultCulture(LanguageOptions.Supported[0]).AddSupportedCultures([.. LanguageOptions.Supported]).AddSupportedUICultures([.. LanguageOptions.Supported]);
            options.RequestCultureProviders =
            [
                new CookieRequestCultureProvider { CookieName = PortalCulture.LanguageCookie },
                // Only the browser's first choice counts: "da" gives Danish, anything else English.
                new AcceptLanguageHeaderRequestCultureProvider { MaximumAcceptLanguageHeaderValuesToTry = 1 },
            ];
        });
        return builder;
    }

    public static WebApplication UseRecipientLanguages(this WebApplication app)
    {
        app.UseRequestLocalization();
        return app;
    }

    /// <summary>
    /// <c>GET /language/{en|da}?returnUrl=…</c>: the visible switch. It only sets the language cookie and goes back to the
    /// page (a local path; anything else goes to the start page), so a plain link works without script.
    /// </summary>
    public static WebApplication MapRecipientLanguages(this WebApplication app)
    {
        app.MapGet("/language/{language}", (string language, string? returnUrl, HttpContext http) =>
        {
            if (!LanguageOptions.Supported.Contains(language))
            {
                return Results.NotFound();
            }

            PortalCulture.Choose(http, language);
            return Results.Redirect(LocalPath(returnUrl));
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>A base-relative path of this portal ("verify", "m/…"), as an absolute local path; "/" for anything else.</summary>
    internal static string LocalPath(string? returnUrl)
    {
        var path = "/" + (returnUrl ?? "");
        return path.StartsWith("//", StringComparison.Ordinal) || path.Contains('\\') || path.Contains(':') || !Uri.IsWellFormedUriString(path, UriKind.Relative)
            ? "/"
            : path;
    }
}
