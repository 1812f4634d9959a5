using ConnectidMail.Audit;
using ConnectidMail.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectidMail.Web.Audit;

internal static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit").RequireAuthorization(ApiExtensions.AuditorPolicy).WithTags("Audit");

        // The whole chain from the first event to the head, and the signed checkpoints; invalid when any event was edited,
        // deleted or moved, the tail after a checkpoint was cut, or a checkpoint's signature does not verify.
        audit.MapGet("/verify", async (AuditVerifier verifier, CancellationToken cancellationToken) =>
            TypedResults.Ok(await verifier.VerifyWithCheckpointsAsync(cancellationToken)));

        // The signed checkpoints and every signing key (retired ones too), for auditors to keep outside the portal.
        audit.MapGet("/checkpoints", async (AuditCheckpoints checkpoints, CancellationToken cancellationToken) =>
            TypedResults.Ok(new AuditCheckpointList(await checkpoints.PublicKeysAsync(cancellationToken), await checkpoints.ListAsync(cancellationToken))));

        // Events with their hashes, in chain order (by sequence); every filter is optional, from and to are ISO 8601 UTC
        // and inclusive. The auditor's page runs the same search.
        audit.MapGet("/events", async Task<Results<Ok<AuditEventPage>, ProblemHttpResult>> (
            AuditSearch search,
            CancellationToken cancellationToken,
            Guid? messageId,
            string? recipient,
            string? sender,
            string? action,
            DateTimeOffset? from,
            DateTimeOffset? to,
            int page = 1,
            int pageSize = 50) =>
        {
            if (page < 1 || pageSize < 1 || pageSize > AuditSearch.MaxPageSize)
            {
                return TypedResults.Problem(
                    $"page must be at least 1 and pageSize between 1 and {AuditSearch.MaxPageSize}.", statusCode: StatusCodes.Status400BadRequest, title: "Bad paging.");
            }

            var query = new AuditQuery(messageId, recipient, sender, string.IsNullOrWhiteSpace(action) ? null : action.Trim(), from, to);
            if (AuditSearch.Problem(query) is { } problem)
            {
                return TypedResults.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Bad search.");
            }

            return TypedResults.Ok(await search.FindAsync(query, page, pageSize, cancellationToken));
        });
        return api;
    }
}

/// <summary>The answer of <c>GET /api/v1/audit/checkpoints</c>: <c>{keys, checkpoints}</c>, checkpoints in sequence order.</summary>
internal sealed record AuditCheckpointList(IReadOnlyList<AuditSigningKey> Keys, IReadOnlyList<AuditCheckpoint> Checkpoints);
