using System.Data;
using System.Text.Json;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Staff;

/// <summary>
/// Records changes to staff accounts and API keys in the same transaction as the change itself, so a change that
/// fails leaves no row and a row never describes a change that did not happen.
/// </summary>
public sealed class StaffChangeLog(ConnectidDbContext db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions DetailJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Runs a change (its checks included) in one serializable transaction, so two admins cannot, say, each
    /// remove the other as the last admin. Unless the change succeeds nothing is kept, not even in the context.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<Task<T>> change, Func<T, bool> succeeded, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
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

    /// <summary>Adds the row to the change's unit of work; the caller saves it inside <see cref="InTransactionAsync{T}"/>.</summary>
    public void Add(StaffActor actor, string action, string subjectId, string subjectDisplay, object? detail = null) =>
        db.StaffChanges.Add(new StaffChange
        {
            At = clock.GetUtcNow(),
            ActorKind = actor.Kind,
            ActorId = actor.UserId,
            ActorDisplay = actor.Display,
            Action = action,
            SubjectId = subjectId,
            SubjectDisplay = subjectDisplay,
            Detail = detail is null ? null : JsonSerializer.Serialize(detail, DetailJson),
            IpAddress = actor.IpAddress,
            UserAgent = actor.UserAgent is { Length: > StaffChange.MaxUserAgentLength } agent ? agent[..StaffChange.MaxUserAgentLength] : actor.UserAgent,
        });
}
