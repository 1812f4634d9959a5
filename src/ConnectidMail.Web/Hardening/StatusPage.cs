using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using ConnectidMail.Messaging;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Hardening;

/// <summary>
/// <c>/status/{code}</c>: what an empty error answer (404, 405, 429, 500, ...) becomes when it is re-run. A plain page
/// for people (any method: a refused form post is re-run as a post, which a Blazor page would refuse), problem details
/// for the API and scripts. It names the trace id, never what failed.
/// </summary>
internal static class StatusPage
{
    public static void Map(WebApplication app) =>
        app.MapMethods("/status/{code:int}", [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete], Answer)
            .AllowAnonymous()
            .DisableAntiforgery()
            .ExcludeFromDescription();

    private static async Task<IResult> Answer(int code, HttpContext http, IOptions<PortalOptions> portal, IProblemDetailsService problems)
    {
        var reExecuted = http.Features.Get<IStatusCodeReExecuteFeature>();
        var exception = http.Features.Get<IExceptionHandlerPathFeature>();
        if (reExecuted is null && exception is null)
        {
            // Opened directly: there is no error to describe.
            return Results.NotFound();
        }

        var status = code is >= 400 and <= 599 ? code : StatusCodes.Status500InternalServerError;
        var (title, explanation) = Describe(status, http.Response.Headers.RetryAfter.ToString());
        var traceId = Activity.Current?.Id ?? http.TraceIdentifier;
        if (ErrorHandling.WantsProblemDetails(http, new PathString(reExecuted?.OriginalPath ?? exception!.Path)))
        {
            http.Response.StatusCode = status;
            await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = status, Title = title, Detail = explanation } });
            return Results.Empty;
        }

        var organisation = HtmlEncoder.Default.Encode(portal.Value.OrganisationName);
        var reference = status >= 500 ? $"<p>If you contact support, quote this reference: <code>{HtmlEncoder.Default.Encode(traceId)}</code></p>" : "";
        return Results.Content(
            $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1.0">
            <meta name="referrer" content="no-referrer">
            <title>{title} – {organisation}</title>
            <link rel="stylesheet" href="/css/app.css">
            </head>
            <body>
            <header class="site-header"><a class="brand" href="/">{organisation}</a></header>
            <main id="main">
            <h1>{title}</h1>
            <p>{explanation}</p>
            {reference}
            <p><a href="/">Go to the start page</a></p>
            </main>
            </body>
            </html>
            """,
            "text/html; charset=utf-8",
            statusCode: status);
    }

    private static (string Title, string Explanation) Describe(int status, string retryAfter) => status switch
    {
        StatusCodes.Status404NotFound => ("Not found", "There is nothing at this address. Check the link, or go to the start page."),
        StatusCodes.Status429TooManyRequests => ("Too many attempts", int.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? $"There were too many attempts in a short time. Wait {(seconds <= 90 ? $"{seconds} seconds" : $"{(seconds + 59) / 60} minutes")}, then try again."
            : "There were too many attempts in a short time. Wait a few minutes, then try again."),
        StatusCodes.Status400BadRequest => ("The request could not be read", "The form may have expired. Go back, reload the page and try again."),
        StatusCodes.Status403Forbidden => ("Access denied", "You do not have access to this."),
        StatusCodes.Status405MethodNotAllowed => ("Not possible here", "This address does not accept that kind of request."),
        StatusCodes.Status413PayloadTooLarge => ("Too large", "What you sent is larger than this portal accepts."),
        >= 500 => ("Something went wrong", "The request could not be completed. Nothing was saved half-way; please try again."),
        _ => ("The request could not be completed", "Go back and try again."),
    };
}
