using System.Globalization;
using ConnectidMail.Languages;
using Microsoft.AspNetCore.Localization;

namespace ConnectidMail.Web.Languages;

/// <summary>
/// The request's language and time zone: the switch's cookie, else the browser's first language (<c>da</c> gives Danish,
/// anything else English); the zone from the cookie <c>js/timezone.js</c> sets, else UTC.
/// </summary>
public static class PortalCulture
{
    /// <summary>The visible switch's choice, in the format of <see cref="CookieRequestCultureProvider"/>.</summary>
    public const string LanguageCookie = "__Host-ConnectidMail.Language";

    /// <summary>The browser's IANA time zone, set by <c>js/timezone.js</c> (a script file: the CSP allows no inline script).</summary>
    public const string TimeZoneCookie = "__Host-ConnectidMail.TimeZone";

    /// <summary>What <c>&lt;html lang&gt;</c> says: the request's language on localised pages, English elsewhere.</summary>
    public static string PageLanguage(HttpContext? http) =>
        http?.GetEndpoint()?.Metadata.GetMetadata<LocalisedPageAttribute>() is null ? "en" : CurrentLanguage;

    public static string CurrentLanguage => LanguageOptions.Normalise(CultureInfo.CurrentUICulture.Name);

    /// <summary>The request's language and time zone, for formatting times on pages and in the mails a page causes.</summary>
    public static RecipientLocale Locale(HttpContext? http) => RecipientLocale.For(CurrentLanguage, TimeZoneOf(http));

    public static TimeZoneInfo? TimeZoneOf(HttpContext? http) =>
        http is not null && http.Request.Cookies.TryGetValue(TimeZoneCookie, out var id) ? RecipientLocale.ZoneNamed(id) : null;

    public static void Choose(HttpContext http, string language) =>
        http.Response.Cookies.Append(
            LanguageCookie,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(language)),
            new CookieOptions { Secure = true, HttpOnly = true, SameSite = SameSiteMode.Lax, Path = "/", MaxAge = TimeSpan.FromDays(365), IsEssential = true });
}
