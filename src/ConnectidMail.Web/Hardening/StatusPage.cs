using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using ConnectidMail.Messaging;
using ConnectidMail.Web.Languages;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Localization;
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

    private static async Task<IResult> Answer(int code, HttpContext http, IOptions<PortalOptions> portal, IProblemDetailsService problems, IStringLocalizer<RecipientText> text)
    {
        var reExecuted = http.Features.Get<IStatusCodeReExecuteFeature>();
        var exception = http.Features.Get<IExceptionHandlerPathFeature>();
        if (reExecuted is null && exception is null)
        {
            // Opened directly: there is no error to describe.
            return Results.NotFound();
        }

        var status = code is >= 400 and <= 599 ? code : StatusCodes.Status500InternalServerError;
        var (title, explanation) = Describe(status, http.Response.Headers.RetryAfter.ToString(), text);
        var traceId = Activity.Current?.Id ?? http.TraceIdentifier;
        if (ErrorHandling.WantsProblemDetails(http, new PathString(reExecuted?.OriginalPath ?? exception!.Path)))
        {
            http.Response.StatusCode = status;
            await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = status, Title = title, Detail = explanation } });
            return Results.Empty;
        }

        var organisation = HtmlEncoder.Default.Encode(portal.Value.OrganisationName);
        var html = HtmlEncoder.Default;
        var reference = status >= 500 ? $"<p>{html.Encode(text["Status.Reference"])} <code>{html.Encode(traceId)}</code></p>" : "";
        return Results.Content(
            $"""
            <!DOCTYPE html>
            <html lang="{PortalCulture.CurrentLanguage}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1.0">
            <meta name="referrer" content="no-referrer">
            <title>{html.Encode(title)} – {organisation}</title>
            <link rel="stylesheet" href="/css/app.css">
            </head>
            <body>
            <header class="site-header"><a class="brand" href="/">{organisation}</a></header>
            <main id="main">
            <h1>{html.Encode(title)}</h1>
            <p>{html.Encode(explanation)}</p>
            {reference}
            <p><a href="/">{html.Encode(text["Status.Start"])}</a></p>
            </main>
            </body>
            </html>
            """,
            "text/html; charset=utf-8",
            statusCode: status);
    }

    private static (string Title, string Explanation) Describe(int status, string retryAfter, IStringLocalizer<RecipientText> text) => status switch
    {
        StatusCodes.Status404NotFound => (text["Status.404"], text["Status.404.Text"]),
        StatusCodes.Status429TooManyRequests => (text["Status.429"], int.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? (seconds <= 90 ? text["Status.429.Seconds", seconds] : text["Status.429.Minutes", (seconds + 59) / 60])
            : text["Status.429.Text"]),
        StatusCodes.Status400BadRequest => (text["Status.400"], text["Status.400.Text"]),
        StatusCodes.Status403Forbidden => (text["Status.403"], text["Status.403.Text"]),
        StatusCodes.Status405MethodNotAllowed => (text["Status.405"], text["Status.405.Text"]),
        StatusCodes.Status413PayloadTooLarge => (text["Status.413"], text["Status.413.Text"]),
        >= 500 => (text["Status.500"], text["Status.500.Text"]),
        _ => (text["Status.Other"], text["Status.Other.Text"]),
    };
}
