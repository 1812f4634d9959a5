using System.Globalization;
using Microsoft.AspNetCore.DataProtection;

namespace ConnectidMail.Web.Recipient;

/// <summary>
/// The short-lived cookie a link's token is exchanged for: it names the recipient the link belongs to (protected, so it
/// cannot be forged or read) and keeps the token itself out of the address bar, history and later requests.
/// </summary>
public sealed class LinkCookie(IDataProtectionProvider protection, TimeProvider clock)
{
    public const string Name = "__Host-ConnectidMail.Link";

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private readonly IDataProtector protector = protection.CreateProtector("ConnectidMail.Recipient.LinkCookie.v1");

    public void Set(HttpContext http, Guid recipientId)
    {
        var expires = clock.GetUtcNow() + Lifetime;
        var payload = string.Create(CultureInfo.InvariantCulture, $"{recipientId:N}|{expires.ToUnixTimeSeconds()}");
        http.Response.Cookies.Append(Name, protector.Protect(payload), Options(expires));
    }

    /// <summary>The recipient id the browser's link cookie names, while it is fresh; null otherwise.</summary>
    public Guid? Read(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(Name, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            var parts = protector.Unprotect(value).Split('|');
            return parts.Length == 2
                && Guid.TryParseExact(parts[0], "N", out var id)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
                && DateTimeOffset.FromUnixTimeSeconds(expires) > clock.GetUtcNow()
                ? id
                : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public static void Delete(HttpContext http) => http.Response.Cookies.Delete(Name, Options(null));

    private static CookieOptions Options(DateTimeOffset? expires) => new()
    {
        Secure = true,
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Path = "/",
        IsEssential = true,
        Expires = expires,
    };
}
