using System.Security.Cryptography;
using ConnectidMail.Crypto;
using ConnectidMail.Mail;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Audit;

/// <summary>What admins and auditors are shown: the key signing now, every key that ever signed, the latest checkpoint.</summary>
public sealed record AuditCheckpointStatus(AuditSigningKey CurrentKey, IReadOnlyList<AuditSigningKey> Keys, AuditCheckpoint? LatestCheckpoint, int CheckpointCount);

/// <summary>A finished rotation of the checkpoint signing key.</summary>
public sealed record AuditKeyRotation(AuditSigningKey Retired, AuditSigningKey Current);

/// <summary>
/// Makes, lists and signs checkpoints, and keeps the signing keys. Making a checkpoint and rotating the key take the
/// audit append lock, so no event is appended meanwhile and two portal instances never sign conflicting checkpoints
/// (the sequence number is also the table's key).
/// </summary>
public sealed class AuditCheckpoints(
    ConnectidDbContext db,
    IMasterKeyProvider masterKey,
    AuditTrail audit,
    IMailOutbox outbox,
    CheckpointWitnessMailComposer witnessMail,
    IOptions<AuditOptions> options,
    TimeProvider clock,
    ILogger<AuditCheckpoints> logger)
{
    public async Task<IReadOnlyList<AuditCheckpoint>> ListAsync(CancellationToken cancellationToken = default) =>
        await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Sequence).ToListAsync(cancellationToken);

    public Task<AuditCheckpoint?> LatestAsync(CancellationToken cancellationToken = default) =>
        db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Sequence).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Every signing key, oldest first, the retired ones too: old checkpoints verify with them.</summary>
    public async Task<IReadOnlyList<AuditSigningKey>> PublicKeysAsync(CancellationToken cancellationToken = default) =>
        [.. (await db.AuditSigningKeys.AsNoTracking().OrderBy(k => k.Version).ToListAsync(cancellationToken)).Select(k => k.ToPublicKey())];

    /// <summary>The key that signs new checkpoints; the first one is made (derived from the master key) on first use.</summary>
    public async Task<AuditSigningKey> CurrentKeyAsync(CancellationToken cancellationToken = default)
    {
        if (await CurrentKeyRecord().AsNoTracking().FirstOrDefaultAsync(cancellationToken) is { } current)
        {
            return current.ToPublicKey();
        }

        return (await InLockedTransactionAsync(CurrentKeyLockedAsync, cancellationToken)).ToPublicKey();
    }

    public async Task<AuditCheckpointStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        var current = await CurrentKeyAsync(cancellationToken);
        return new AuditCheckpointStatus(
            current, await PublicKeysAsync(cancellationToken), await LatestAsync(cancellationToken), await db.AuditCheckpoints.CountAsync(cancellationToken));
    }

    /// <summary>
    /// Due when <see cref="AuditOptions.CheckpointEveryEvents"/> events came after the last checkpoint, or when the oldest
    /// event no checkpoint covers is <see cref="AuditOptions.CheckpointEveryMinutes"/> old. Never without new events.
    /// </summary>
    public async Task<bool> IsDueAsync(CancellationToken cancellationToken = default)
    {
        var covered = await db.AuditCheckpoints.MaxAsync(c => (long?)c.Sequence, cancellationToken) ?? 0;
        var oldestUncovered = await db.AuditEvents.AsNoTracking().Where(e => e.Sequence > covered).OrderBy(e => e.Sequence)
            .Select(e => new { e.At }).FirstOrDefaultAsync(cancellationToken);
        if (oldestUncovered is null)
        {
            return false;
        }

        var head = await db.AuditEvents.MaxAsync(e => e.Sequence, cancellationToken);
        return head - covered >= options.Value.CheckpointEveryEvents || clock.GetUtcNow() - oldestUncovered.At >= options.Value.CheckpointInterval;
    }

    /// <summary>Signs the current head when a checkpoint is due (see <see cref="IsDueAsync"/>); null when none was.</summary>
    public Task<AuditCheckpoint?> MakeIfDueAsync(CancellationToken cancellationToken = default) => MakeAsync(onlyIfDue: true, cancellationToken);

    /// <summary>Signs the current head now, unless the last checkpoint already covers it (then null).</summary>
    public Task<AuditCheckpoint?> MakeNowAsync(CancellationToken cancellationToken = default) => MakeAsync(onlyIfDue: false, cancellationToken);

    /// <summary>
    /// Retires the current key and starts the next version, recording <see cref="AuditActions.AuditKeyRotated"/>. The
    /// retired key stays published so the checkpoints it signed still verify.
    /// </summary>
    public async Task<AuditKeyRotation> RotateKeyAsync(AuditActor actor, CancellationToken cancellationToken = default)
    {
        var rotation = await InLockedTransactionAsync(async ct =>
        {
            var retired = await CurrentKeyLockedAsync(ct);
            retired.RetiredAt = AuditHashing.TruncateToMicroseconds(clock.GetUtcNow());
            var next = NewKeyRecord(retired.Version + 1);
            db.AuditSigningKeys.Add(next);
            audit.Record(db, actor, AuditActions.AuditKeyRotated, new AuditSubjects(SubjectId: next.KeyId),
                new { key = "audit-signing", keyId = next.KeyId, fingerprint = next.Fingerprint, retiredKeyId = retired.KeyId });
            await db.SaveChangesAsync(ct);
            return new AuditKeyRotation(retired.ToPublicKey(), next.ToPublicKey());
        }, cancellationToken);
        logger.LogInformation("Audit signing key {RetiredKeyId} retired; checkpoints are now signed with {KeyId}", rotation.Retired.KeyId, rotation.Current.KeyId);
        return rotation;
    }

    private async Task<AuditCheckpoint?> MakeAsync(bool onlyIfDue, CancellationToken cancellationToken)
    {
        var checkpoint = await InLockedTransactionAsync(async ct =>
        {
            // Checked again under the lock: another instance may have just made it.
            if (onlyIfDue && !await IsDueAsync(ct))
            {
                return null;
            }

            var covered = await db.AuditCheckpoints.MaxAsync(c => (long?)c.Sequence, ct) ?? 0;
            var head = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Sequence).Select(e => new { e.Sequence, e.Hash }).FirstOrDefaultAsync(ct);
            if (head is null || head.Sequence <= covered)
            {
                return null;
            }

            var key = await CurrentKeyLockedAsync(ct);
            using var privateKey = PrivateKeyOf(key);
            var signed = AuditCheckpointSignature.Sign(privateKey, key.KeyId, head.Sequence, head.Hash, clock.GetUtcNow());
            db.AuditCheckpoints.Add(signed);
            if (options.Value.WitnessEmail is { Length: > 0 } witness)
            {
                outbox.Enqueue(witnessMail.Compose(witness.Trim(), signed, key.ToPublicKey()));
            }

            await db.SaveChangesAsync(ct);
            return signed;
        }, cancellationToken);
        if (checkpoint is not null)
        {
            logger.LogInformation("Audit checkpoint at event {Sequence} signed with key {KeyId}", checkpoint.Sequence, checkpoint.KeyId);
        }

        return checkpoint;
    }

    private IQueryable<AuditSigningKeyRecord> CurrentKeyRecord() =>
        db.AuditSigningKeys.Where(k => k.RetiredAt == null).OrderByDescending(k => k.Version);

    /// <summary>The current key, inside a transaction holding the append lock; the first key is added when there is none.</summary>
    private async Task<AuditSigningKeyRecord> CurrentKeyLockedAsync(CancellationToken cancellationToken)
    {
        if (await CurrentKeyRecord().FirstOrDefaultAsync(cancellationToken) is { } current)
        {
            return current;
        }

        var first = NewKeyRecord((await db.AuditSigningKeys.MaxAsync(k => (int?)k.Version, cancellationToken) ?? 0) + 1);
        db.AuditSigningKeys.Add(first);
        await db.SaveChangesAsync(cancellationToken);
        return first;
    }

    private AuditSigningKeyRecord NewKeyRecord(int version)
    {
        using var privateKey = AuditSigningKeys.Derive(masterKey, version);
        var published = AuditSigningKeys.PublicKeyOf(privateKey, clock.GetUtcNow());
        return new AuditSigningKeyRecord
        {
            KeyId = published.KeyId,
            Version = version,
            PublicKey = published.PublicKey,
            Fingerprint = published.Fingerprint,
            CreatedAt = published.CreatedAt,
        };
    }

    /// <summary>The stored key's private half, derived again; refuses when the master key no longer gives that key.</summary>
    private ECDsa PrivateKeyOf(AuditSigningKeyRecord key)
    {
        var privateKey = AuditSigningKeys.Derive(masterKey, key.Version);
        if (AuditSigningKeys.Fingerprint(privateKey.ExportSubjectPublicKeyInfo()) != key.Fingerprint)
        {
            privateKey.Dispose();
            throw new InvalidOperationException(
                $"The master key does not give the audit signing key {key.KeyId} (version {key.Version}) any more; run 'admin audit rotate-key' to start a key it gives.");
        }

        return privateKey;
    }

    private async Task<T> InLockedTransactionAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AuditTrail.LockAsync(db, cancellationToken);
        var result = await work(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
