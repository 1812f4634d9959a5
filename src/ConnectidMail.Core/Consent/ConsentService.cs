using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.Consent;

/// <summary>Consent of verified recipients: given once per address and text version, withdrawn as easily, which ends access.</summary>
public sealed class ConsentService(
    ConnectidDbContext db,
    ConsentTexts texts,
    RecipientSessions sessions,
    AuditTrail audit,
    TimeProvider clock,
    ILogger<ConsentService> logger)
{
    /// <summary>Whether the address has consented to the current version and not withdrawn it.</summary>
    public Task<bool> HasConsentedAsync(string email, CancellationToken cancellationToken = default)
    {
        var normalized = email.Trim().ToUpperInvariant();
        var version = texts.Current(null).Version;
        return db.ConsentRecords.AnyAsync(c => c.NormalizedEmail == normalized && c.Version == version && c.WithdrawnAt == null, cancellationToken);
    }

    /// <summary>Records consent to <paramref name="shown"/>, the text the recipient saw; refused when it is not the current version.</summary>
    public async Task<bool> GiveAsync(
        string email, ConsentText shown, Guid sessionId, string? clientIp, string? userAgent, CancellationToken cancellationToken = default)
    {
        var current = texts.Current(shown.Language);
        if (current.Version != shown.Version || !current.Hash.AsSpan().SequenceEqual(shown.Hash))
        {
            // The text changed while the page was open: the recipient must see the new one first.
            return false;
        }

        db.ConsentRecords.Add(new ConsentRecord
        {
            NormalizedEmail = email.Trim().ToUpperInvariant(),
            Version = current.Version,
            Language = current.Language,
            TextHash = current.Hash,
            GivenAt = clock.GetUtcNow(),
            SessionId = sessionId,
            ClientIp = clientIp,
            UserAgent = Truncate(userAgent),
        });
        audit.Record(db, AuditActor.RecipientAddress(email) with { IpAddress = clientIp, UserAgent = userAgent }, AuditActions.ConsentGiven,
            new AuditSubjects(SubjectId: sessionId.ToString()),
            new { version = current.Version, language = current.Language, textHash = Convert.ToHexStringLower(current.Hash) });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Consent version {Version} given in session {SessionId}", current.Version, sessionId);
        return true;
    }

    /// <summary>Withdraws every consent of the address and ends all its sessions, in one transaction.</summary>
    public async Task WithdrawAsync(string email, string? clientIp, string? userAgent, CancellationToken cancellationToken = default)
    {
        var normalized = email.Trim().ToUpperInvariant();
        var now = clock.GetUtcNow();
        var active = await db.ConsentRecords.Where(c => c.NormalizedEmail == normalized && c.WithdrawnAt == null).ToListAsync(cancellationToken);
        foreach (var record in active)
        {
            record.WithdrawnAt = now;
            record.WithdrawnFromIp = clientIp;
            record.WithdrawnUserAgent = Truncate(userAgent);
        }

        var ended = await sessions.EndAllForAddressAsync(email, SessionEndReasons.ConsentWithdrawn, cancellationToken);
        audit.Record(db, AuditActor.RecipientAddress(email) with { IpAddress = clientIp, UserAgent = userAgent }, AuditActions.ConsentWithdrawn,
            detail: new { versions = active.Select(r => r.Version).Distinct().ToList(), sessionsEnded = ended });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Consent withdrawn ({Records} record(s)); {Sessions} session(s) ended", active.Count, ended);
    }

    private static string? Truncate(string? userAgent) => userAgent is { Length: > 512 } ? userAgent[..512] : userAgent;
}
