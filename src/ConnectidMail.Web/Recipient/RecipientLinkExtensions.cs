using ConnectidMail.Verification;
using ConnectidMail.Web.Hardening;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace ConnectidMail.Web.Recipient;

/// <summary>
/// The recipient's side of the portal: the link <c>/r/{token}</c>, its own sign-in scheme, the pages' headers, file
/// downloads and sign-out; and logs that never hold the token.
/// </summary>
public static class RecipientLinkExtensions
{
    /// <summary>The path the recipients' links start with.</summary>
    public const string LinkPath = "/r";

    /// <summary>Paths of the recipient's pages and endpoints: decrypted or personal, so never cached.</summary>
    private static readonly string[] RecipientPaths = [LinkPath, "/verify", "/consent", "/inbox", "/m", "/signed-out", "/recipient"];

    public static WebApplicationBuilder AddRecipientLinks(this WebApplicationBuilder builder)
    {
        TokenSafeLoggerFactory.Install(builder.Services);
        builder.AddRecipientAuthentication();
        builder.Services.AddSingleton<LinkCookie>();
        builder.Services.AddSingleton<RecipientSessionSignals>();
        return builder;
    }

    /// <summary>
    /// Link addresses hold the token: browsers must not send them on as a referrer, and nothing may cache them; the
    /// recipient's pages show decrypted content and are not cached either. Set for every answer under these paths.
    /// </summary>
    public static WebApplication UseRecipientLinks(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (RecipientPaths.Any(path => context.Request.Path.StartsWithSegments(path)))
            {
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers["Referrer-Policy"] = "no-referrer";
                    context.Response.Headers.CacheControl = "no-store";
                    return Task.CompletedTask;
                });
            }

            return next(context);
        });
        return app;
    }

    public static WebApplication MapRecipientLinks(this WebApplication app)
    {
        app.MapGet(LinkPath + "/{token}", LinkLandingPage.GetAsync).AllowAnonymous().RequireRateLimit(RateLimits.LinkLookups).ExcludeFromDescription();
        app.MapGet("/m/files/{id:guid}", RecipientDownload.GetAsync).RequireAuthorization(RecipientAuthentication.Policy).ExcludeFromDescription();

        // A form post from the recipient layout; without a form parameter minimal APIs skip antiforgery, so check it here.
        app.MapPost("/recipient/sign-out", async Task<IResult> (
            HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] RecipientSessions sessions, [FromServices] RecipientSessionSignals signals) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired; reload the page and try again.");
            }

            var signedIn = await http.AuthenticateAsync(RecipientAuthentication.Scheme);
            if (RecipientAuthentication.SessionId(signedIn.Principal) is { } id)
            {
                await sessions.EndAsync(id, SessionEndReasons.SignedOut, http.RequestAborted);
                signals.SessionsEndedAfter(http, RecipientAuthentication.Email(signedIn.Principal)!);
            }

            await http.SignOutAsync(RecipientAuthentication.Scheme);
            return TypedResults.LocalRedirect("~/signed-out");
        }).ExcludeFromDescription();
        return app;
    }
}
