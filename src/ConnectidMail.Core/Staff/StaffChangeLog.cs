using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Persistence;

namespace ConnectidMail.Staff;

/// <summary>
/// Records changes to staff accounts and API keys in the audit trail, in the same transaction as the change itself,
/// so a change that fails leaves no event and an event never describes a change that did not happen.
/// </summary>
public sealed class StaffChangeLog(ConnectidDbContext db, AuditTrail audit)
{
    private static readonly JsonSerializerOptions DetailJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Runs a change (its checks included) in one transaction that holds the audit append lock from its first
    /// statement, so staff changes run one after another and two admins cannot, say, each remove the other as the last
    /// admin. (Not SERIALIZABLE: its snapshot would predate the lock and hide the chain's head from the event's save.)
    /// Unless the change succeeds nothing is kept, not even in the context.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<Task<T>> change, Func<T, bool> succeeded, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AuditTrail.LockAsync(db, cancellationToken);
        try
        {
            var result = await change();
            if (succeeded(result))
            {
                await transaction.CommitAsync(cancellationToken);
            }
            else
            {
                db.ChangeTracker.Clear();
            }

            return result;
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
    }

    /// <summary>
    /// Adds the audit event to the change's unit of work; the caller saves it inside <see cref="InTransactionAsync{T}"/>.
    /// The changed user or key is the event's subject; its display name goes into the detail as <c>subject</c>.
    /// </summary>
    public void Add(StaffActor actor, string action, string subjectId, string subjectDisplay, object? detail = null)
    {
        var described = detail is null ? [] : JsonSerializer.SerializeToNode(detail, DetailJson)!.AsObject();
        described["subject"] = subjectDisplay;
        audit.Record(db, actor.ToAuditActor(), action, new AuditSubjects(SubjectId: subjectId), described);
    }
}
