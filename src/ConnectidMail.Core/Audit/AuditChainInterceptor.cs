using System.Runtime.CompilerServices;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace ConnectidMail.Audit;

/// <summary>
/// Chains new audit events when their unit of work is saved. It makes sure the save runs in a transaction (its own
/// when the caller has none, committed or rolled back with the save), takes the append lock, reads the head and
/// numbers and hashes the new events after it. The lock makes concurrent appends one chain: on PostgreSQL a
/// transaction-scoped advisory lock, which also holds across portal instances; on SQLite the write lock, which every
/// EF transaction there takes at its start (Microsoft.Data.Sqlite begins them with BEGIN IMMEDIATE).
/// </summary>
internal sealed class AuditChainInterceptor(TimeProvider clock) : SaveChangesInterceptor
{
    /// <summary>An arbitrary constant ("CMAUDIT" in ASCII) that no other part of the portal uses as an advisory lock.</summary>
    internal const long PostgresAppendLock = 0x434D4155444954;

    // Transactions this interceptor opened for a save, to finish when the save ends.
    private readonly ConditionalWeakTable<DbContext, IDbContextTransaction> ownTransactions = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (NewEvents(eventData.Context) is { Count: > 0 } events)
        {
            var db = (ConnectidDbContext)eventData.Context!;
            if (db.Database.CurrentTransaction is null)
            {
                ownTransactions.AddOrUpdate(db, db.Database.BeginTransaction());
            }

            if (db.Database.IsNpgsql())
            {
                RefuseSnapshotIsolation(db);
                db.Database.ExecuteSql($"SELECT pg_advisory_xact_lock({PostgresAppendLock})");
            }

            Chain(events, HeadQuery(db).FirstOrDefault());
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (NewEvents(eventData.Context) is { Count: > 0 } events)
        {
            var db = (ConnectidDbContext)eventData.Context!;
            if (db.Database.CurrentTransaction is null)
            {
                ownTransactions.AddOrUpdate(db, await db.Database.BeginTransactionAsync(cancellationToken));
            }

            if (db.Database.IsNpgsql())
            {
                RefuseSnapshotIsolation(db);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({PostgresAppendLock})", cancellationToken);
            }

            Chain(events, await HeadQuery(db).FirstOrDefaultAsync(cancellationToken));
        }

        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (TakeOwnTransaction(eventData.Context) is { } transaction)
        {
            using (transaction)
            {
                transaction.Commit();
            }
        }

        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (TakeOwnTransaction(eventData.Context) is { } transaction)
        {
            await using (transaction)
            {
                await transaction.CommitAsync(cancellationToken);
            }
        }

        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => TakeOwnTransaction(eventData.Context)?.Dispose();

    public override async Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        if (TakeOwnTransaction(eventData.Context) is { } transaction)
        {
            await transaction.DisposeAsync(); // disposing an open transaction rolls it back
        }
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => TakeOwnTransaction(eventData.Context)?.Dispose();

    public override async Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        if (TakeOwnTransaction(eventData.Context) is { } transaction)
        {
            await transaction.DisposeAsync();
        }
    }

    /// <summary>
    /// Under REPEATABLE READ or SERIALIZABLE the transaction reads from a snapshot taken before the lock was granted, so
    /// the head it sees may be stale and two appends would take the same sequence number. Read committed only.
    /// </summary>
    private static void RefuseSnapshotIsolation(ConnectidDbContext db)
    {
        if (db.Database.CurrentTransaction?.GetDbTransaction().IsolationLevel is System.Data.IsolationLevel.RepeatableRead or System.Data.IsolationLevel.Serializable or System.Data.IsolationLevel.Snapshot)
        {
            throw new InvalidOperationException("Audit events are appended in read-committed transactions; take AuditTrail.LockAsync first instead of a stricter isolation level.");
        }
    }

    private static List<AuditEvent>? NewEvents(DbContext? context) => context?.ChangeTracker.Entries<AuditEvent>()
        .Where(entry => entry.State == EntityState.Added)
        .Select(entry => entry.Entity)
        .OrderBy(e => e.RecordOrder)
        .ToList();

    private static IQueryable<ChainHead> HeadQuery(ConnectidDbContext db) => db.AuditEvents.AsNoTracking()
        .OrderByDescending(e => e.Sequence)
        .Select(e => new ChainHead(e.Sequence, e.Hash, e.At));

    private void Chain(List<AuditEvent> events, ChainHead? head)
    {
        var sequence = head?.Sequence ?? 0;
        var previousHash = head?.Hash ?? AuditEvent.GenesisHash;
        // Times never go backwards along the chain, even when instances' clocks differ a little.
        var now = AuditHashing.TruncateToMicroseconds(clock.GetUtcNow());
        var at = head is not null && head.At > now ? head.At : now;
        foreach (var e in events)
        {
            e.Sequence = ++sequence;
            e.At = at;
            e.PreviousHash = previousHash;
            e.Hash = AuditHashing.ComputeHash(e);
            previousHash = e.Hash;
        }
    }

    private IDbContextTransaction? TakeOwnTransaction(DbContext? context) =>
        context is not null && ownTransactions.TryGetValue(context, out var transaction) && ownTransactions.Remove(context) ? transaction : null;

    private sealed record ChainHead(long Sequence, string Hash, DateTimeOffset At);
}
