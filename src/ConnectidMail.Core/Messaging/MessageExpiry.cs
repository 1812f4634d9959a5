using ConnectidMail.Audit;
using ConnectidMail.Keys;
using ConnectidMail.Persistence;
using ConnectidMail.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.Messaging;

/// <summary>
/// Expires messages that are due: shreds the data key and deletes the files, keeping metadata and receipts. The key
/// goes first, in the database transaction; the files follow, and a run that stopped in between finishes them later.
/// </summary>
public sealed class MessageExpiry(ConnectidDbContext db, KeyStore keys, BlobStore blobs, AuditTrail audit, TimeProvider clock, ILogger<MessageExpiry> logger)
{
    private const int BatchSize = 100;

    /// <summary>Expires every due message; returns how many were expired.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken = default)
    {
        var expired = 0;
        while (true)
        {
            var now = clock.GetUtcNow();
            var due = await db.Messages
                .Where(m => m.ContentShreddedAt == null && m.ExpiresAt <= now)
                .OrderBy(m => m.ExpiresAt)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
            if (due.Count == 0)
            {
                break;
            }

            foreach (var message in due)
            {
                await keys.ShredDataKeyAsync(message.Id, cancellationToken);
                message.EncryptedSubject = null;
                message.EncryptedBody = null;
                message.EncryptedAccessCode = null;
                message.ContentShreddedAt = now;
                audit.Record(db, AuditActor.Portal, AuditActions.MessageExpired, new AuditSubjects(MessageId: message.Id), new { expiresAt = message.ExpiresAt });
            }

            // The replies' bodies go with the message's (their files below): the key that could read them is gone anyway.
            var dueIds = due.Select(m => m.Id).ToList();
            foreach (var reply in await db.Replies.Where(r => dueIds.Contains(r.MessageId) && r.EncryptedBody != null).ToListAsync(cancellationToken))
            {
                reply.EncryptedBody = null;
            }

            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            expired += due.Count;
            foreach (var message in due)
            {
                logger.LogInformation("Message {MessageId} expired: its data key was shredded", message.Id);
            }
        }

        await DeleteShreddedFilesAsync(cancellationToken);
        return expired;
    }

    private async Task DeleteShreddedFilesAsync(CancellationToken cancellationToken)
    {
        await DeleteShreddedReplyFilesAsync(cancellationToken);
        while (true)
        {
            var attachments = await db.Attachments
                .Where(a => a.BlobName != null && db.Messages.Any(m => m.Id == a.MessageId && m.ContentShreddedAt != null))
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
            if (attachments.Count == 0)
            {
                return;
            }

            foreach (var attachment in attachments)
            {
                blobs.Delete(BlobName.Parse(attachment.BlobName!));
                attachment.BlobName = null;
            }

            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
    }

    private async Task DeleteShreddedReplyFilesAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var files = await db.ReplyAttachments
                .Where(a => a.BlobName != null
                    && db.Replies.Any(r => r.Id == a.ReplyId && db.Messages.Any(m => m.Id == r.MessageId && m.ContentShreddedAt != null)))
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
            if (files.Count == 0)
            {
                return;
            }

            foreach (var file in files)
            {
                blobs.Delete(BlobName.Parse(file.BlobName!));
                file.BlobName = null;
            }

            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
    }
}

/// <summary>Runs <see cref="MessageExpiry"/> at start and then every minute.</summary>
internal sealed class MessageExpiryJob(IServiceScopeFactory scopes, TimeProvider clock, ILogger<MessageExpiryJob> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<MessageExpiry>().ExpireDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next tick tries again; a database that is briefly away must not stop the job for good.
                logger.LogError(e, "Expiring messages failed; trying again in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
