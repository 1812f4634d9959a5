namespace ConnectidMail.Web.Account;

/// <summary>
/// Marks the cookie Secure on every request. Antiforgery refuses <c>SecurePolicy.Always</c> on plain http,
/// yet a <c>__Host-</c> cookie must be Secure, and browsers accept Secure cookies on http://localhost.
/// </summary>
internal sealed class AlwaysSecureCookieBuilder : CookieBuilder
{
    public override CookieOptions Build(HttpContext context, DateTimeOffset expiresFrom)
    {
        var options = base.Build(context, expiresFrom);
        options.Secure = true;
        return options;
    }
}
