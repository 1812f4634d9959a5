using System.Text.Encodings.Web;
using ConnectidMail.Branding;
using ConnectidMail.Consent;
using ConnectidMail.Messaging;
using ConnectidMail.Web.Languages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Localization;

namespace ConnectidMail.Web.Recipient;

/// <summary>
/// <c>GET /r/{token}</c>: what a recipient's link opens. It changes nothing (mail scanners follow links too): a known token
/// is exchanged for a short-lived link cookie and the browser is sent (303) to an address without the token, the
/// verification page, or straight to the message when the browser already has a live session of that address; anything
/// else answers 404 "This link is not valid", a plain page without scripts.
/// </summary>
internal static class LinkLandingPage
{
    public static async Task<IResult> GetAsync(
        string token, RecipientLinks links, LinkCookie linkCookie, ConsentService consent, BrandingCache branding, IStringLocalizer<RecipientText> text, HttpContext http)
    {
        http.Response.Headers.XContentTypeOptions = "nosniff";
        var link = await links.FindAsync(token, http.RequestAborted);
        if (link is null)
        {
            var organisation = HtmlEncoder.Default.Encode(branding.Current.OrganisationName);
            // Everything the page needs is in the page; nothing may be loaded, submitted or framed.
            http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
            return Page(
                StatusCodes.Status404NotFound,
                organisation,
                HtmlEncoder.Default.Encode(text["Link.Invalid"]),
                $"<p>{HtmlEncoder.Default.Encode(text["Link.Invalid.Text", branding.Current.OrganisationName])}</p>");
        }

        // Only a cookie and a redirect: no code is sent and nothing is recorded until the recipient asks for a code.
        linkCookie.Set(http, link.RecipientId);
        var signedIn = await http.AuthenticateAsync(RecipientAuthentication.Scheme);
        var sameAddress = signedIn.Succeeded
            && string.Equals(RecipientAuthentication.Email(signedIn.Principal), link.Email, StringComparison.OrdinalIgnoreCase);
        var next = sameAddress && await consent.HasConsentedAsync(link.Email, http.RequestAborted) ? $"/m/{link.MessageId}" : "/verify";
        http.Response.Headers.Location = next;
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }
    private static IResult Page(int status, string organisation, string title, string content) => TypedResults.Content(
        $"""
        <!DOCTYPE html>
        <html lang="{PortalCulture.CurrentLanguage}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1.0">
        <meta name="referrer" content="no-referrer">
        <title>{title} – {organisation}</title>
        <style>body {"{"} font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; {"}"}</style>
        </head>
        <body>
        <header><p><strong>{organisation}</strong></p></header>
        <main>
        <h1>{title}</h1>
        {content}
        </main>
        </body>
        </html>
        """,
        "text/html; charset=utf-8",
        statusCode: status);
}
