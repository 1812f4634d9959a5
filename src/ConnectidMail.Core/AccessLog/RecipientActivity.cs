using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Branding;
using ConnectidMail.Mail;
using ConnectidMail.Messaging;
using ConnectidMail.Persistence;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.AccessLog;

/// <summary>What happened to one address's messages, read from the audit trail (no store of its own).</summary>
public enum AccessKind
{
    Verified,
    Opened,
    Downloaded,
    Replied,
}

/// <param name="Method">How the session was verified (<see cref="VerificationMethods"/>), when the event says.</param>
/// <param name="Browser">The browser's name from the user agent, null when not recognised.</param>
/// <param name="System">The operating system's name from the user agent, null when not recognised.</param>
/// <param name="Network">The client's address with its host part masked.</param>
public sealed record AccessEntry(DateTimeOffset At, AccessKind Kind, string? Method, string? Browser, string? System, string? Network);

public sealed record NotMeOutcome(int SessionsEnded, int PasskeysRemoved, int SendersAlerted);

/// <summary>
/// A verified recipient's access log, and "This wasn't me": it ends every session of the address, removes its passkeys,
/// records the report and tells each sender whose messages to the address were accessed, by a mail with a link only.
/// </summary>
public sealed class RecipientActivity(
    ConnectidDbContext db,
    RecipientSessions sessions,
    AuditTrail audit,
    IMailOutbox outbox,
    BrandingCache branding,
    IOptions<PortalOptions> portal,
    ILogger<RecipientActivity> logger)
{
    public const string AlertKind = "access-alert";
    public const int MaxEntries = 200;

    private static readonly string[] MessageAccess = [AuditActions.MessageOpened, AuditActions.AttachmentDownloaded, AuditActions.ReplySent];

    /// <summary>The newest <see cref="MaxEntries"/> accesses to the session's address, newest first.</summary>
    public async Task<IReadOnlyList<AccessEntry>> ListAsync(RecipientSession session, CancellationToken cancellationToken = default)
    {
        var recipientIds = await RecipientIdsAsync(session.NormalizedEmail, cancellationToken);
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.ActorKind == AuditActorKind.Recipient
                && ((e.Action == AuditActions.RecipientVerified && e.ActorDisplay.ToUpper() == session.NormalizedEmail)
                    || (MessageAccess.Contains(e.Action) && e.RecipientId != null && recipientIds.Contains(e.RecipientId.Value))))
            .OrderByDescending(e => e.Sequence)
            .Take(MaxEntries)
            .Select(e => new { e.At, e.Action, e.Detail, e.UserAgent, e.IpAddress })
            .ToListAsync(cancellationToken);
        return [.. events.Select(e =>
        {
            var (browser, system) = DeviceDescription.FromUserAgent(e.UserAgent);
            var kind = e.Action switch
            {
                AuditActions.RecipientVerified => AccessKind.Verified,
                AuditActions.MessageOpened => AccessKind.Opened,
                AuditActions.AttachmentDownloaded => AccessKind.Downloaded,
                _ => AccessKind.Replied,
            };
            return new AccessEntry(e.At, kind, MethodIn(e.Detail), browser, system, DeviceDescription.MaskIp(e.IpAddress));
        })];
    }

    /// <summary>Everything "This wasn't me" does, in one transaction with its audit events and alert mails.</summary>
    public async Task<NotMeOutcome> ReportNotMeAsync(RecipientSession session, AuditActor actor, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AuditTrail.LockAsync(db, cancellationToken);
        var ended = await sessions.EndAllForAddressAsync(session.Email, SessionEndReasons.NotMe, cancellationToken);

        var passkeys = await db.RecipientPasskeys.Where(p => p.NormalizedEmail == session.NormalizedEmail).ToListAsync(cancellationToken);
        db.RecipientPasskeys.RemoveRange(passkeys);
        foreach (var passkey in passkeys)
        {
            audit.Record(db, actor, AuditActions.PasskeyRemoved, new AuditSubjects(SubjectId: passkey.Id.ToString()), new { reason = "not-me" });
        }

        var alerted = await AlertSendersAsync(session.NormalizedEmail, cancellationToken);
        audit.Record(db, actor, AuditActions.RecipientReportedNotMe, detail: new { sessionsEnded = ended, passkeysRemoved = passkeys.Count, sendersAlerted = alerted });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogWarning("A recipient reported access that was not theirs: {Sessions} session(s) ended, {Passkeys} passkey(s) removed, {Senders} sender(s) alerted",
            ended, passkeys.Count, alerted);
        return new NotMeOutcome(ended, passkeys.Count, alerted);
    }

    /// <summary>One mail per sender whose messages to the address were opened, downloaded or replied to: links to those messages' pages, nothing else.</summary>
    private async Task<int> AlertSendersAsync(string normalizedEmail, CancellationToken cancellationToken)
    {
        var recipientIds = await RecipientIdsAsync(normalizedEmail, cancellationToken);
        var accessed = await db.AuditEvents.AsNoTracking()
            .Where(e => e.ActorKind == AuditActorKind.Recipient && MessageAccess.Contains(e.Action)
                && e.RecipientId != null && recipientIds.Contains(e.RecipientId.Value) && e.MessageId != null)
            .Select(e => e.MessageId!.Value)
            .Distinct()
            .ToListAsync(cancellationToken);
        var messages = await db.Messages.AsNoTracking().Where(m => accessed.Contains(m.Id))
            .Select(m => new { m.Id, m.SenderId, m.CreatedAt }).ToListAsync(cancellationToken);
        var senderIds = messages.Select(m => m.SenderId).Distinct().ToList();
        var senders = await db.Users.AsNoTracking().Where(u => senderIds.Contains(u.Id) && u.Email != null)
            .Select(u => new { u.Id, u.Email }).ToListAsync(cancellationToken);
        var brand = branding.Current;
        foreach (var sender in senders)
        {
            var mail = new BrandedMail(brand, $"{brand.OrganisationName}: a recipient reported access that was not theirs")
                .Paragraph("A recipient of secure messages you sent reported that some access to their messages was not made by them. "
                    + "Their sessions were ended and their passkeys removed; they must verify their address again.")
                .Paragraph("Check the access details on the message's page in the portal (sign in first):");
            foreach (var message in messages.Where(m => m.SenderId == sender.Id).OrderBy(m => m.CreatedAt))
            {
                mail.Link("Message page:", new Uri(portal.Value.BaseUri, $"messages/{message.Id}").AbsoluteUri);
            }

            outbox.Enqueue(mail
                .Why($"You sent secure messages from your account {sender.Email} in {brand.OrganisationName}'s secure-mail portal, and their recipient pressed \"This wasn't me\".")
                .To(sender.Email!, AlertKind));
        }

        return senders.Count;
    }

    private Task<List<Guid>> RecipientIdsAsync(string normalizedEmail, CancellationToken cancellationToken) =>
        db.MessageRecipients.AsNoTracking().Where(r => r.NormalizedEmail == normalizedEmail).Select(r => r.Id).ToListAsync(cancellationToken);

    private static string? MethodIn(string? detail)
    {
        if (detail is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(detail);
        return json.RootElement.TryGetProperty("method", out var method) || json.RootElement.TryGetProperty("verifiedBy", out method)
            && method.ValueKind == JsonValueKind.String
                ? method.GetString()
                : null;
    }
}
