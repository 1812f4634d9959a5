using System.Diagnostics;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Hardening;

/// <summary>
/// What a caller sees when something fails: the API and scripts get problem details with a trace id, people get a
/// friendly page; never a stack trace, exception text or SQL, in Development too (the log keeps the details).
/// </summary>
public static class ErrorHandling
{
    /// <summary>Empty error answers (404, 405, 429, ...) re-run as this page, the status code in place of <c>{0}</c>.</summary>
    public const string StatusPagePath = "/status/{0}";

    public static WebApplicationBuilder AddErrorHandling(this WebApplicationBuilder builder)
    {
        // Ahead of the default writer, which writes nothing when the caller's Accept header does not name JSON.
        builder.Services.AddSingleton<IProblemDetailsWriter, ApiProblemDetailsWriter>();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        // Exceptions of a live page stay on the server; the browser learns only that the circuit failed.
        builder.Services.Configure<CircuitOptions>(options => options.DetailedErrors = false);
        // A request the API cannot bind answers 400 (then problem details below) instead of throwing to a developer page.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = false);
        return builder;
    }

    public static WebApplication UseErrorPages(this WebApplication app)
    {
        // In every environment, so Development shows what production shows; it sits inside the developer exception page.
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandlingPath = "/status/500", CreateScopeForErrors = true });
        app.UseStatusCodePagesWithReExecute(StatusPagePath, createScopeForStatusCodePages: true);
        StatusPage.Map(app);
        return app;
    }

    /// <summary>The API, and scripts that do not ask for HTML, read problem details; browsers navigating read pages.</summary>
    public static bool WantsProblemDetails(HttpContext http) => WantsProblemDetails(http, http.Request.Path);

    /// <summary>As above, for the request as it came in when it is being re-run for its error.</summary>
    public static bool WantsProblemDetails(HttpContext http, PathString originalPath) =>
        originalPath.StartsWithSegments("/api")
        || !http.Request.Headers.Accept.Any(accept => accept?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
}

/// <summary>The API answers in JSON whatever the caller accepts, with the trace id as every problem of the portal has it.</summary>
internal sealed class ApiProblemDetailsWriter(IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) =>
        new PathString(context.HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath ?? context.HttpContext.Request.Path).StartsWithSegments("/api");

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? http.TraceIdentifier);
        // The runtime type, so a validation problem keeps its errors.
        await http.Response.WriteAsJsonAsync(problem, problem.GetType(), json.Value.SerializerOptions, "application/problem+json", http.RequestAborted);
    }
}

/// <summary>An exception in an API call or a script's request: a 500 problem naming only the trace id.</summary>
internal sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!ErrorHandling.WantsProblemDetails(httpContext))
        {
            return false;
        }

        var status = exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = status,
                Title = status == StatusCodes.Status500InternalServerError ? "Something went wrong." : "The request could not be read.",
                Detail = "Nothing was saved half-way. If it keeps happening, quote the trace id to support.",
            },
        });
    }
}
