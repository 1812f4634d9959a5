using System.Security.Cryptography;
using ConnectidMail.Crypto;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.Keys;

/// <summary>
/// The database side of the key hierarchy: versioned KEKs wrapped by the master key, one wrapped DEK per owner,
/// and rotation that re-wraps DEKs under a new KEK without touching content.
/// </summary>
public sealed class KeyStore(
    ConnectidDbContext db,
    IMasterKeyProvider masterKey,
    KeyEncryptionKeyCache cache,
    TimeProvider clock,
    ILogger<KeyStore> logger)
{
    /// <summary>
    /// A new random DEK for <paramref name="ownerId"/>, wrapped under the current KEK and added to the context: it is
    /// saved with the caller's own changes, in the same transaction. The caller zeroes the returned key.
    /// </summary>
    public async Task<byte[]> CreateDataKeyAsync(Guid ownerId, CancellationToken cancellationToken = default)
    {
        var kek = await CurrentKeyEncryptionKeyAsync(cancellationToken);
        var dataKey = KeyWrapping.GenerateDataKey();
        var wrapped = KeyWrapping.WrapDataKey(kek, dataKey, ownerId);
        db.DataKeys.Add(new DataKeyRecord
        {
            OwnerId = ownerId,
            KekVersion = wrapped.KekVersion,
            WrappedKey = wrapped.Ciphertext,
            CreatedAt = clock.GetUtcNow(),
        });
        return dataKey;
    }

    /// <summary>Takes back a DEK from <see cref="CreateDataKeyAsync"/> that was never saved (the owner was not stored after all).</summary>
    public void DiscardUnsavedDataKey(Guid ownerId)
    {
        foreach (var entry in db.ChangeTracker.Entries<DataKeyRecord>().Where(e => e.State == EntityState.Added && e.Entity.OwnerId == ownerId).ToList())
        {
            entry.State = EntityState.Detached;
        }
    }

    /// <summary>The owner's DEK; throws <see cref="DataKeyNotFoundException"/> once it was shredded. The caller zeroes it.</summary>
    public async Task<byte[]> GetDataKeyAsync(Guid ownerId, CancellationToken cancellationToken = default)
    {
        var record = await db.DataKeys.AsNoTracking().SingleOrDefaultAsync(k => k.OwnerId == ownerId, cancellationToken)
            ?? throw new DataKeyNotFoundException();
        var kek = await KeyEncryptionKeyAsync(record.KekVersion, cancellationToken);
        return KeyWrapping.UnwrapDataKey(kek, new WrappedDataKey(record.KekVersion, record.WrappedKey), ownerId);
    }

    /// <summary>
    /// Runs <paramref name="use"/> with the owner's DEK and zeroes the key afterwards; default when the DEK was shredded
    /// (also between the caller's query and now).
    /// </summary>
    public async Task<T?> UseDataKeyAsync<T>(Guid ownerId, Func<byte[], T> use, CancellationToken cancellationToken = default)
    {
        byte[] dataKey;
        try
        {
            dataKey = await GetDataKeyAsync(ownerId, cancellationToken);
        }
        catch (DataKeyNotFoundException)
        {
            return default;
        }

        try
        {
            return use(dataKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Crypto-shredding: removes the owner's DEK from the context (saved with the caller's changes). Returns false when there was none.</summary>
    public async Task<bool> ShredDataKeyAsync(Guid ownerId, CancellationToken cancellationToken = default)
    {
        var record = await db.DataKeys.SingleOrDefaultAsync(k => k.OwnerId == ownerId, cancellationToken);
        if (record is null)
        {
            return false;
        }

        db.DataKeys.Remove(record);
        return true;
    }

    /// <summary>
    /// How long a retired KEK keeps its wrapped material. A request that took a DEK under the old KEK just before the
    /// rotation may commit it after the rotation; until the grace ends that DEK stays readable, and the next rotation
    /// re-wraps it before the old KEK is erased.
    /// </summary>
    public static readonly TimeSpan RetiredKeyGrace = TimeSpan.FromHours(24);

    /// <summary>
    /// Creates a new KEK, re-wraps every DEK under it in batches (each batch its own transaction), retires the old
    /// KEKs, and erases KEKs retired longer than <paramref name="eraseRetiredAfter"/> ago (default
    /// <see cref="RetiredKeyGrace"/>) that no DEK uses any more. An interrupted rotation leaves several active KEKs;
    /// running it again finishes that rotation.
    /// </summary>
    public async Task<KeyRotationResult> RotateAsync(
        int batchSize = 500, Action<int>? afterBatch = null, TimeSpan? eraseRetiredAfter = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var active = await ActiveVersionsAsync(cancellationToken);
        var resumed = active.Count > 1;
        var target = resumed ? active[^1] : await CreateKeyEncryptionKeyAsync(cancellationToken);
        var targetKek = await KeyEncryptionKeyAsync(target, cancellationToken);

        var rewrapped = 0;
        while (true)
        {
            var batch = await db.DataKeys.Where(k => k.KekVersion != target).OrderBy(k => k.OwnerId).Take(batchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var record in batch)
            {
                var oldKek = await KeyEncryptionKeyAsync(record.KekVersion, cancellationToken);
                var dataKey = KeyWrapping.UnwrapDataKey(oldKek, new WrappedDataKey(record.KekVersion, record.WrappedKey), record.OwnerId);
                try
                {
                    var wrapped = KeyWrapping.WrapDataKey(targetKek, dataKey, record.OwnerId);
                    record.KekVersion = wrapped.KekVersion;
                    record.WrappedKey = wrapped.Ciphertext;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(dataKey);
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            rewrapped += batch.Count;
            afterBatch?.Invoke(rewrapped);
        }

        var retired = await RetireAllButAsync(target, cancellationToken);
        var erased = await EraseRetiredAsync(eraseRetiredAfter ?? RetiredKeyGrace, cancellationToken);
        logger.LogInformation(
            "Key rotation to KEK v{Version}: {Count} data key(s) re-wrapped, retired {Retired}, erased {Erased}",
            target, rewrapped, string.Join(", ", retired), string.Join(", ", erased));
        return new KeyRotationResult(target, rewrapped, retired, erased, resumed);
    }

    /// <summary>Marks the other active KEKs retired: no new DEK is wrapped under them; their material stays for the grace.</summary>
    private async Task<List<int>> RetireAllButAsync(int target, CancellationToken cancellationToken)
    {
        var old = await db.KeyEncryptionKeys.Where(k => k.RetiredAt == null && k.Version != target).ToListAsync(cancellationToken);
        foreach (var kek in old)
        {
            kek.RetiredAt = clock.GetUtcNow();
        }

        await db.SaveChangesAsync(cancellationToken);
        return [.. old.Select(k => k.Version)];
    }

    /// <summary>Erases the wrapped material of KEKs retired before the grace that no DEK refers to: crypto-shredding of the old key.</summary>
    private async Task<List<int>> EraseRetiredAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow() - grace;
        // A handful of rows: filter in memory, where every provider agrees on byte arrays and times.
        var retired = await db.KeyEncryptionKeys.Where(k => k.RetiredAt != null).ToListAsync(cancellationToken);
        var erased = new List<int>();
        foreach (var kek in retired.Where(k => k.WrappedKey.Length > 0 && k.RetiredAt <= before))
        {
            if (await db.DataKeys.AnyAsync(d => d.KekVersion == kek.Version, cancellationToken))
            {
                continue;
            }

            kek.WrappedKey = [];
            erased.Add(kek.Version);
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var version in erased)
        {
            cache.Forget(version);
        }

        return erased;
    }

    /// <summary>
    /// Makes sure a current KEK exists; run at start-up and by the migrate and admin commands, so that a DEK is never
    /// created inside a caller's transaction while the first KEK is still missing.
    /// </summary>
    public async Task EnsureKeyEncryptionKeyAsync(CancellationToken cancellationToken = default)
    {
        if ((await ActiveVersionsAsync(cancellationToken)).Count > 0)
        {
            return;
        }

        try
        {
            await CreateKeyEncryptionKeyAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The portal and an admin command started together on a fresh database: fine if the other one created it.
            db.ChangeTracker.Clear();
            if ((await ActiveVersionsAsync(cancellationToken)).Count == 0)
            {
                throw;
            }
        }
    }

    private async Task<KeyEncryptionKey> CurrentKeyEncryptionKeyAsync(CancellationToken cancellationToken)
    {
        var active = await ActiveVersionsAsync(cancellationToken);
        return active.Count > 0
            ? await KeyEncryptionKeyAsync(active[^1], cancellationToken)
            : throw new InvalidOperationException("There is no key-encryption key yet; the start-up and the migrate command create it.");
    }

    private Task<List<int>> ActiveVersionsAsync(CancellationToken cancellationToken) =>
        db.KeyEncryptionKeys.Where(k => k.RetiredAt == null).OrderBy(k => k.Version).Select(k => k.Version).ToListAsync(cancellationToken);

    private async Task<int> CreateKeyEncryptionKeyAsync(CancellationToken cancellationToken)
    {
        var next = (await db.KeyEncryptionKeys.MaxAsync(k => (int?)k.Version, cancellationToken) ?? 0) + 1;
        using var kek = KeyEncryptionKey.Generate(next);
        db.KeyEncryptionKeys.Add(new KeyEncryptionKeyRecord
        {
            Version = next,
            WrappedKey = KeyWrapping.WrapKeyEncryptionKey(masterKey, kek),
            CreatedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Created key-encryption key v{Version}", next);
        return next;
    }

    private async Task<KeyEncryptionKey> KeyEncryptionKeyAsync(int version, CancellationToken cancellationToken)
    {
        var record = await db.KeyEncryptionKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Version == version, cancellationToken);
        // A retired KEK still unwraps during its grace; new DEKs only ever use the current one.
        if (record is null || record.WrappedKey.Length == 0)
        {
            throw new DecryptionFailedException();
        }

        return cache.GetOrAdd(version, v => KeyWrapping.UnwrapKeyEncryptionKey(masterKey, v, record.WrappedKey));
    }
}

public sealed record KeyRotationResult(int Version, int Rewrapped, IReadOnlyList<int> Retired, IReadOnlyList<int> Erased, bool Resumed);

/// <summary>The data key is gone: its content was shredded (expiry, retention, erasure) or never existed.</summary>
public sealed class DataKeyNotFoundException() : Exception("The data key does not exist; its content was deleted.");
