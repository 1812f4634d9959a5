using ConnectidMail.Audit;
using ConnectidMail.Reports;
using ConnectidMail.Staff;
using ConnectidMail.Storage;
using ConnectidMail.Web.Api;
using ConnectidMail.Web.Hardening;
using Microsoft.AspNetCore.Identity;

namespace ConnectidMail.Web.Audit;

/// <summary>
/// The JSON evidence export and the PDF evidence report. Programs call them with an API key; the auditor's page links to
/// them with the staff cookie, so both are accepted (Auditor or Admin role either way). Anyone else gets 401 or 403 as
/// problem details, never a sign-in redirect.
/// </summary>
internal static class AuditDownloads
{
    public const string Scheme = "AuditDownload";
    public const string Policy = "audit-download";

    private static readonly string StaffCookie = "__Host-" + IdentityConstants.ApplicationScheme;

    public static void AddAuditDownloads(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication().AddPolicyScheme(Scheme, "API key or staff cookie", options =>
        {
            // A request with a key is judged by its key alone; without one, by the staff cookie if it has one.
            options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count == 0 && context.Request.Cookies.ContainsKey(StaffCookie)
                    ? IdentityConstants.ApplicationScheme
                    : ApiKeyAuthentication.SchemeName;
            options.ForwardChallenge = ApiKeyAuthentication.SchemeName;
            options.ForwardForbid = ApiKeyAuthentication.SchemeName;
        });
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireRole(StaffRoles.Auditor, StaffRoles.Admin));
    }

    public static WebApplication MapAuditDownloads(this WebApplication app)
    {
        var audit = app.MapGroup("/api/v1/audit")
            .RequireAuthorization(Policy)
            .RequireRateLimit(RateLimits.ApiKeys)
            .WithTags("Audit");

        // The evidence as JSON, streamed: header (head, verification, checkpoints, keys), then the events in chain order.
        audit.MapGet("/export", async (HttpContext http, AuditExporter exporter, Guid? messageId, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken) =>
        {
            if (Scope(messageId, from, to) is not { } scope)
            {
                return BadRange();
            }

            var run = await exporter.BeginAsync(scope, http.ToAuditActor(), "json", cancellationToken);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Stream(
                body => AuditExportJson.WriteAsync(run.Header, run.EventsAsync(cancellationToken), body, cancellationToken),
                "application/json",
                AuditExportScope.FileName("export", run.Header.GeneratedAt, "json"));
        });

        // The PDF evidence report with the same JSON attached. It goes to a temporary file first and is streamed from
        // there: its spilled streams' lengths and its signature are filled in after they are written, which takes a
        // file to seek in.
        audit.MapGet("/report", async (HttpContext http, AuditExporter exporter, EvidenceSigner signer, Guid? messageId, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken) =>
        {
            if (Scope(messageId, from, to) is not { } scope)
            {
                return BadRange();
            }

            var run = await exporter.BeginAsync(scope, http.ToAuditActor(), "pdf", cancellationToken);
            using var certificate = await signer.CertificateAsync(cancellationToken);
            var file = TemporaryFile.Create("report", ".pdf", bufferSize: 81920);
            try
            {
                await EvidenceReportBuilder.WriteAsync(run.Header, run.EventsAsync(cancellationToken), file, certificate, cancellationToken);
                file.Position = 0;
            }
            catch
            {
                await file.DisposeAsync();
                throw;
            }

            http.Response.Headers.CacheControl = "no-store";
            return Results.File(file, "application/pdf", AuditExportScope.FileName("report", run.Header.GeneratedAt, "pdf"));
        });
        return app;
    }

    private static AuditExportScope? Scope(Guid? messageId, DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } start && to is { } end && start > end ? null : new AuditExportScope(messageId, from?.ToUniversalTime(), to?.ToUniversalTime());

    private static IResult BadRange() =>
        TypedResults.Problem("'from' must not be later than 'to'.", statusCode: StatusCodes.Status400BadRequest, title: "Bad time range.");
}
