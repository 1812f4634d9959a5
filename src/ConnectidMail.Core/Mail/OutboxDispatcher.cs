using ConnectidMail.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace ConnectidMail.Mail;

/// <summary>
/// Hands queued mails to SMTP, or to the pickup folder when no SMTP host is set. It runs a pass when woken by a commit
/// that queued mail (<see cref="OutboxSignal"/>), when the next retry is due, and at least every few seconds for mails
/// queued by another process. Every portal instance runs one; leases keep them from sending the same mail.
/// </summary>
internal sealed class OutboxDispatcher(
    OutboxStore store,
    OutboxSignal signal,
    OutboxContentCipher cipher,
    IOptions<MailOptions> mailOptions,
    IOptions<StorageOptions> storageOptions,
    TimeProvider clock,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    public const int BatchSize = 20;

    /// <summary>How long a claim holds its mails; far longer than a batch normally takes.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    /// <summary>A send is a handful of SMTP operations, each with its own timeout; one starts only while this much lease is left.</summary>
    public static readonly TimeSpan LeaseNeededToSend = SmtpMailTransport.OperationTimeout * 10;

    /// <summary>Mails queued by another portal instance or the CLI wake nobody here; polling finds them.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private bool reportedPendingMigrations;

    private MailOptions Options => mailOptions.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ready = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var nextPass = clock.GetUtcNow() + PollInterval;
                try
                {
                    ready = ready || await PrepareAsync(stoppingToken);
                    if (ready)
                    {
                        nextPass = await RunPassAsync(stoppingToken);
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // A database that is down must not stop the portal: try again at the next poll.
                    logger.LogError(e, "The outbox pass failed; trying again in {Delay}", PollInterval);
                }

                await signal.WaitAsync(nextPass, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The portal is stopping.
        }
    }

    /// <summary>
    /// False while the database lacks migrations: one migrated by the migrate command (PostgreSQL) may lag behind the
    /// start, and the outbox table arrives with it. Then clears pickup files that an interrupted run left behind.
    /// </summary>
    private async Task<bool> PrepareAsync(CancellationToken stoppingToken)
    {
        if (await store.HasPendingMigrationsAsync(stoppingToken))
        {
            if (!reportedPendingMigrations)
            {
                logger.LogWarning("The outbox waits for the database migrations before it sends mail");
                reportedPendingMigrations = true;
            }

            return false;
        }

        if (Options.UsesPickupFolder && CreatePickupFolderTransport().RemoveAbandonedFiles(Lease) is > 0 and var removed)
        {
            logger.LogWarning("Removed {Count} incomplete pickup file(s) left by an interrupted run", removed);
        }

        return true;
    }

    /// <summary>Claims and hands over one batch; returns when the next pass is due.</summary>
    private async Task<DateTimeOffset> RunPassAsync(CancellationToken stoppingToken)
    {
        var claim = await store.ClaimDueAsync(BatchSize, Lease, stoppingToken);
        if (claim.Mails.Count > 0)
        {
            await DeliverAsync(claim, stoppingToken);
        }

        var now = clock.GetUtcNow();
        if (claim.Mails.Count == BatchSize)
        {
            return now;
        }

        var nextDue = await store.NextDueAsync(stoppingToken);
        var nextPoll = now + PollInterval;
        return nextDue is { } due && due < nextPoll ? due : nextPoll;
    }

    private async Task DeliverAsync(OutboxClaim claim, CancellationToken stoppingToken)
    {
        await using IMailTransport transport = Options.UsesPickupFolder ? CreatePickupFolderTransport() : new SmtpMailTransport(Options.Smtp);
        for (var index = 0; index < claim.Mails.Count; index++)
        {
            var mail = claim.Mails[index];
            var remaining = claim.Mails.Skip(index);
            if (claim.LeaseEnd - clock.GetUtcNow() < LeaseNeededToSend)
            {
                await store.ReleaseAsync(claim, remaining);
                return;
            }

            try
            {
                if (await store.WithdrawIfUnwantedAsync(claim, mail, stoppingToken) is { } reason)
                {
                    logger.LogInformation("Outbox mail {OutboxMailId} to a recipient at {RecipientDomain} was withdrawn before attempt {Attempt}: {Reason}",
                        mail.Id, RecipientDomain(mail), mail.Attempts + 1, reason);
                    continue;
                }

                using var message = Compose(mail);
                await transport.SendAsync(message, mail.Id, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping: whether the server took the mail in flight is unknown. Releasing it lets the next start send
                // it again; its stable Message-ID lets mail systems drop the duplicate.
                await store.ReleaseAsync(claim, remaining);
                throw;
            }
            catch (MailServerUnreachableException e)
            {
                foreach (var waiting in remaining)
                {
                    await RecordFailureAsync(claim, waiting, e);
                }

                return;
            }
            catch (Exception e)
            {
                await RecordFailureAsync(claim, mail, e);
                continue;
            }

            await store.RecordSentAsync(mail);
            logger.LogInformation("Outbox mail {OutboxMailId} to a recipient at {RecipientDomain} was handed over (attempt {Attempt})",
                mail.Id, RecipientDomain(mail), mail.Attempts + 1);
        }
    }

    private async Task RecordFailureAsync(OutboxClaim claim, OutboxMail mail, Exception failure)
    {
        var error = DeliveryFailure.Describe(failure);
        var next = await store.RecordFailureAsync(claim, mail, error, DeliveryFailure.IsPermanent(failure));
        if (next is null)
        {
            logger.LogError("Outbox mail {OutboxMailId} to a recipient at {RecipientDomain} was given up after {Attempts} attempt(s): {Error}",
                mail.Id, RecipientDomain(mail), mail.Attempts + 1, error);
        }
        else
        {
            logger.LogWarning("Outbox mail {OutboxMailId} to a recipient at {RecipientDomain} failed (attempt {Attempt}: {Error}); next attempt at {NextAttemptAt:O}",
                mail.Id, RecipientDomain(mail), mail.Attempts + 1, error, next);
        }
    }

    private MimeMessage Compose(OutboxMail mail)
    {
        var content = cipher.Decrypt(mail.Id, mail.EncryptedContent);
        var message = new MimeMessage
        {
            MessageId = mail.MessageId,
            // The time it was queued, so every attempt sends the same message.
            Date = mail.CreatedAt,
            Subject = content.Subject,
            Body = new BodyBuilder { TextBody = content.TextBody, HtmlBody = content.HtmlBody }.ToMessageBody(),
        };
        var from = MailboxAddress.Parse(Options.From);
        // The organisation's name as the sender's name, at the configured address: recipients see who writes.
        message.From.Add(string.IsNullOrWhiteSpace(content.FromName) ? from : new MailboxAddress(content.FromName, from.Address));
        message.To.Add(MailboxAddress.Parse(mail.Recipient));
        return message;
    }

    private PickupFolderTransport CreatePickupFolderTransport() => new(storageOptions.Value.MailOutboxPath, clock);

    /// <summary>Logs name the recipient's domain at most, never the whole address.</summary>
    private static string RecipientDomain(OutboxMail mail) => mail.Recipient[(mail.Recipient.LastIndexOf('@') + 1)..];
}
