using System.Text.Encodings.Web;
using ConnectidMail.Messaging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Recipient;

/// <summary>
/// <c>GET /r/{token}</c>: the page a recipient's link opens. It only reads (mail scanners follow links too): a known token
/// answers that a secure message waits and that reading it needs the e-mail address verified; anything else answers 404
/// "This link is not valid". A plain server-rendered page without scripts, so it can say exactly what it needs to with
/// the status it needs.
/// </summary>
internal static class LinkLandingPage
{
    public static async Task<IResult> GetAsync(string token, RecipientLinks links, IOptions<PortalOptions> portal, HttpContext http)
    {
        var organisation = HtmlEncoder.Default.Encode(portal.Value.OrganisationName);
        // Everything the page needs is in the page; nothing may be loaded, submitted or framed.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (await links.FindAsync(token, http.RequestAborted) is null)
        {
            return Page(
                StatusCodes.Status404NotFound,
                organisation,
                "This link is not valid",
                $"<p>Check that you opened the whole link from the mail. If it still does not work, ask the sender at {organisation} to send the message again.</p>");
        }

        return Page(
            StatusCodes.Status200OK,
            organisation,
            "A secure message waits for you",
            $"""
            <p>{organisation} has sent you a secure message through its secure mail portal.</p>
            <p>Reading it needs verification of your e-mail address: you confirm that this address is yours before the message is shown.</p>
            """);
    }

    private static IResult Page(int status, string organisation, string title, string content) => TypedResults.Content(
        $"""
        <!DOCTYPE html>
        <html lang="en">
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
