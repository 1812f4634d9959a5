using System.Linq.Expressions;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.Mail;

/// <summary>
/// The dispatcher's side of the outbox table: claiming due mails under a lease, recording outcomes, and when the next
/// mail is due. Each call has a scope of its own, so a slow SMTP batch holds no DbContext or transaction open.
/// </summary>
internal sealed class OutboxStore(IServiceScopeFactory scopes, TimeProvider clock, ILogger<OutboxStore> logger)
{
    /// <summary>
    /// Claims up to <paramref name="batchSize"/> due mails for <paramref name="lease"/>. The claim is one conditional
    /// UPDATE (only rows whose lease is free or ran out), which the database applies atomically per row, so two portal
    /// instances never both hold a mail; each keeps the rows that carry its own random lease token.
    /// </summary>
    public async Task<OutboxClaim> ClaimDueAsync(int batchSize, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        var now = clock.GetUtcNow();
        var due = await db.OutboxMails
            .Where(m => m.NextAttemptAt <= now && (m.LockedUntil == null || m.LockedUntil <= now))
            .OrderBy(m => m.NextAttemptAt)
            .Select(m => m.Id)
            .Take(batchSize)
            .ToListAsync(cancellationToken);
        var claim = new OutboxClaim(Guid.NewGuid(), now + lease, []);
        if (due.Count == 0)
        {
            return claim;
        }

        await db.OutboxMails
            .Where(m => due.Contains(m.Id) && m.NextAttemptAt != null && m.NextAttemptAt <= now && (m.LockedUntil == null || m.LockedUntil <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LockedUntil, claim.LeaseEnd).SetProperty(m => m.LeaseToken, claim.LeaseToken), cancellationToken);
        var mails = await db.OutboxMails.AsNoTracking()
            .Where(m => due.Contains(m.Id) && m.LeaseToken == claim.LeaseToken)
            .OrderBy(m => m.NextAttemptAt)
            .ToListAsync(cancellationToken);
        return claim with { Mails = mails };
    }

    /// <summary>
    /// Records that the server accepted the mail and erases its content. Not bound to the lease: once a mail went out it
    /// must never go again, even if the lease ran out meanwhile.
    /// </summary>
    public Task RecordSentAsync(OutboxMail mail)
    {
        var now = clock.GetUtcNow();
        var outcome = new OutboxDeliveryOutcome(mail.Id, mail.Kind, mail.CorrelationId, now, mail.Attempts + 1, Error: null);
        return RecordAsync(
            mail.Id,
            m => m.SentAt == null,
            s => s.SetProperty(m => m.SentAt, now)
                .SetProperty(m => m.Attempts, outcome.Attempts)
                .SetProperty(m => m.LastError, (string?)null)
                .SetProperty(m => m.NextAttemptAt, (DateTimeOffset?)null)
                .SetProperty(m => m.EncryptedContent, Array.Empty<byte>())
                .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null)
                .SetProperty(m => m.LeaseToken, (Guid?)null),
            (listener, cancellationToken) => listener.MailSentAsync(outcome, cancellationToken));
    }

    /// <summary>
    /// Records a failed attempt under the claim's lease: the next attempt by <see cref="RetrySchedule"/>, or, for a
    /// permanent refusal or after 24 hours, the end (content erased, listeners told). Returns the next attempt, or null
    /// when the mail was given up.
    /// </summary>
    public async Task<DateTimeOffset?> RecordFailureAsync(OutboxClaim claim, OutboxMail mail, string error, bool permanent)
    {
        var now = clock.GetUtcNow();
        var attempts = mail.Attempts + 1;
        var next = permanent ? null : RetrySchedule.NextAttemptAt(mail.CreatedAt, now, attempts);
        if (next is not null)
        {
            await RecordAsync(
                mail.Id,
                m => m.LeaseToken == claim.LeaseToken,
                s => s.SetProperty(m => m.Attempts, attempts)
                    .SetProperty(m => m.LastError, error)
                    .SetProperty(m => m.NextAttemptAt, next)
                    .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null)
                    .SetProperty(m => m.LeaseToken, (Guid?)null),
                tell: null);
            return next;
        }

        var outcome = new OutboxDeliveryOutcome(mail.Id, mail.Kind, mail.CorrelationId, now, attempts, error);
        await RecordAsync(
            mail.Id,
            m => m.LeaseToken == claim.LeaseToken,
            s => GiveUp(s.SetProperty(m => m.Attempts, attempts), now, error),
            (listener, cancellationToken) => listener.MailFailedAsync(outcome, cancellationToken));
        return null;
    }

    /// <summary>
    /// Asks the features' <see cref="IOutboxWithdrawal"/>s whether the claimed mail should still go out. When one gives a
    /// reason, the mail is given up under the claim's lease without an attempt (content erased, "withdrawn: reason" on
    /// the row) and the reason is returned; null means send it.
    /// </summary>
    public async Task<string?> WithdrawIfUnwantedAsync(OutboxClaim claim, OutboxMail mail, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        string? reason = null;
        foreach (var withdrawal in scope.ServiceProvider.GetServices<IOutboxWithdrawal>())
        {
            reason ??= await withdrawal.ReasonToWithdrawAsync(mail.Kind, mail.CorrelationId, cancellationToken);
        }

        if (reason is null)
        {
            return null;
        }

        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        await db.OutboxMails
            .Where(m => m.Id == mail.Id && m.LeaseToken == claim.LeaseToken)
            .ExecuteUpdateAsync(s => GiveUp(s, clock.GetUtcNow(), Withdrawn(reason)), CancellationToken.None);
        return reason;
    }

    /// <summary>What an outbox row records when it was withdrawn rather than failed.</summary>
    public static string Withdrawn(string reason) => $"withdrawn: {reason}";

    /// <summary>
    /// The end of a mail that did not go out, however it ended (refused, failing too long, withdrawn): when and why, no
    /// next attempt, its content erased, its lease cleared so that no late outcome of a claim can revive it.
    /// </summary>
    public static UpdateSettersBuilder<OutboxMail> GiveUp(UpdateSettersBuilder<OutboxMail> setters, DateTimeOffset at, string error) =>
        setters.SetProperty(m => m.FailedAt, at)
            .SetProperty(m => m.LastError, error)
            .SetProperty(m => m.NextAttemptAt, (DateTimeOffset?)null)
            .SetProperty(m => m.EncryptedContent, Array.Empty<byte>())
            .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null)
            .SetProperty(m => m.LeaseToken, (Guid?)null);

    /// <summary>Gives claimed mails back without an attempt, so they need not wait for the lease to run out.</summary>
    public async Task ReleaseAsync(OutboxClaim claim, IEnumerable<OutboxMail> mails)
    {
        var ids = mails.Select(m => m.Id).ToList();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        await db.OutboxMails
            .Where(m => ids.Contains(m.Id) && m.LeaseToken == claim.LeaseToken)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LockedUntil, (DateTimeOffset?)null).SetProperty(m => m.LeaseToken, (Guid?)null));
    }

    /// <summary>When the earliest pending mail becomes claimable (its next attempt, or the end of another claim's lease).</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        return await db.OutboxMails
            .Where(m => m.NextAttemptAt != null)
            .Select(m => m.LockedUntil != null && m.LockedUntil > m.NextAttemptAt ? m.LockedUntil : m.NextAttemptAt)
            .OrderBy(at => at)
            .FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<bool> HasPendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        return (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any();
    }

    /// <summary>
    /// Updates one row and tells the listeners in one transaction. Outcomes are recorded with no cancellation: a mail the
    /// server accepted must be recorded even while the portal stops, or the next start would send it again.
    /// </summary>
    private async Task RecordAsync(
        Guid id,
        Expression<Func<OutboxMail, bool>> condition,
        Action<UpdateSettersBuilder<OutboxMail>> setters,
        Func<IOutboxDeliveryListener, CancellationToken, Task>? tell)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var updated = await db.OutboxMails.Where(m => m.Id == id).Where(condition).ExecuteUpdateAsync(setters, CancellationToken.None) == 1;
        if (updated && tell is not null && !await TellListenersAsync(scope.ServiceProvider, id, tell))
        {
            await transaction.RollbackAsync(CancellationToken.None);
            await RecordAsync(id, condition, setters, tell: null);
            return;
        }

        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }

    private async Task<bool> TellListenersAsync(IServiceProvider services, Guid id, Func<IOutboxDeliveryListener, CancellationToken, Task> tell)
    {
        foreach (var listener in services.GetServices<IOutboxDeliveryListener>())
        {
            try
            {
                await tell(listener, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Delivery listener {Listener} failed for outbox mail {OutboxMailId}; the outcome is recorded without its changes",
                    listener.GetType().Name, id);
                return false;
            }
        }

        return true;
    }
}

/// <summary>Mails one dispatcher holds until <see cref="LeaseEnd"/>, identified by <see cref="LeaseToken"/>.</summary>
internal sealed record OutboxClaim(Guid LeaseToken, DateTimeOffset LeaseEnd, IReadOnlyList<OutboxMail> Mails);
