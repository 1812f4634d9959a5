using ConnectidMail.Audit;
using ConnectidMail.Web.Api;

namespace ConnectidMail.Web.Audit;

internal static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit").RequireAuthorization(ApiExtensions.AuditorPolicy).WithTags("Audit");

        // The whole chain from the first event to the head; invalid when any event was edited, deleted or moved.
        audit.MapGet("/verify", async (AuditVerifier verifier, CancellationToken cancellationToken) =>
            TypedResults.Ok(await verifier.VerifyAsync([], cancellationToken)));
        return api;
    }
}
