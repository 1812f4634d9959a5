using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.Uploads;

/// <summary>Records refused uploads in the audit trail. Nothing else of the refused upload is stored.</summary>
public sealed class UploadRejections(IServiceScopeFactory scopes)
{
    /// <summary>
    /// Writes an <c>upload.rejected</c> event in a unit of work of its own, so that nothing the refused request had
    /// begun can be saved with it.
    /// </summary>
    public async Task RecordAsync(AuditActor actor, UploadRejection rejection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        scope.ServiceProvider.GetRequiredService<AuditTrail>().Record(
            db,
            actor,
            AuditActions.UploadRejected,
            new AuditSubjects(MessageId: rejection.MessageId, AttachmentId: rejection.AttachmentId),
            new { fileType = rejection.FileType, reason = rejection.Reason, signature = rejection.Signature });
        await db.SaveChangesAsync(cancellationToken);
    }
}
