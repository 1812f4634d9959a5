using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using ConnectidMail.Staff;

namespace ConnectidMail.Web.Account;

/// <summary>
/// A staff member's own two-factor changes (authenticator app, recovery codes, passkeys), each recorded as
/// <c>user.two-factor-changed</c> in the same transaction as the change: a change that fails leaves no event, and
/// an event never describes a change that did not happen. The detail names the change, never a key or code.
/// </summary>
internal sealed class OwnTwoFactorChanges(ConnectidDbContext db, AuditTrail audit)
{
    public Task<bool> AuthenticatorEnabledAsync(StaffUser user, Func<Task<bool>> change) =>
        ChangeAsync(user, new { method = "authenticator", change = "enabled" }, change);

    public Task<bool> AuthenticatorKeyResetAsync(StaffUser user, Func<Task<bool>> change) =>
        ChangeAsync(user, new { method = "authenticator", change = "key-reset" }, change);

    public Task<bool> AuthenticatorDisabledAsync(StaffUser user, Func<Task<bool>> change) =>
        ChangeAsync(user, new { method = "authenticator", change = "disabled" }, change);

    public Task<bool> RecoveryCodesGeneratedAsync(StaffUser user, Func<Task<bool>> change) =>
        ChangeAsync(user, new { method = "recovery-codes", change = "generated" }, change);

    /// <summary><paramref name="change"/> is "added", "renamed" or "removed"; the name is the staff member's own label.</summary>
    public Task<bool> PasskeyChangedAsync(StaffUser user, string change, string name, Func<Task<bool>> apply) =>
        ChangeAsync(user, new { method = "passkey", change, name }, apply);

    private async Task<bool> ChangeAsync(StaffUser user, object detail, Func<Task<bool>> change)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        // Identity saves the user's rows before the event is saved; the append lock comes first (see AuditTrail.LockAsync).
        await AuditTrail.LockAsync(db, CancellationToken.None);
        try
        {
            if (!await change())
            {
                db.ChangeTracker.Clear();
                return false;
            }

            audit.Record(db, AuditActor.Staff(user.Id, user.Email ?? ""), AuditActions.UserTwoFactorChanged, new AuditSubjects(SubjectId: user.Id), detail);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return true;
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
    }
}
