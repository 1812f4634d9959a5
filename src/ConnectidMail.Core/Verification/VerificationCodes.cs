using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Audit;
using ConnectidMail.Languages;
using ConnectidMail.Mail;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Verification;

/// <summary>
/// One-time codes that prove a recipient reads mail at an address: 8 digits from a CSPRNG, single use, short-lived,
/// stored only encrypted, compared in constant time, dead after too many wrong tries, and limited per hour per
/// address and per client IP. Asking again while a code is valid re-sends that code instead of burning it.
/// </summary>
public sealed class VerificationCodes(
    ConnectidDbContext db,
    IMailOutbox outbox,
    VerificationCodeCipher cipher,
    CodeMailComposer mails,
    AuditTrail audit,
    IOptions<VerificationOptions> options,
    TimeProvider clock,
    ILogger<VerificationCodes> logger)
{
    public const int CodeLength = 8;

    private VerificationOptions Rules => options.Value;

    /// <summary>
    /// Mails a code to <paramref name="email"/>: the still-valid one if there is one, else a new one; or says until when the
    /// limits forbid it. The mail is in <paramref name="locale"/>, the asking page's language and zone (English, UTC without).
    /// </summary>
    public async Task<CodeRequestResult> SendAsync(string email, string? clientIp, RecipientLocale? locale = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        var normalized = Normalize(email);
        var now = clock.GetUtcNow();
        // Two clicks on "Email me a code" arrive together; holding the append lock from the reads to the save makes
        // the second re-send the first one's code (and the hourly limits exact) instead of mailing a second code.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AuditTrail.LockAsync(db, cancellationToken);
        if (await NextSendAllowedAtAsync(normalized, clientIp, now, cancellationToken) is { } allowedAt)
        {
            logger.LogWarning("Code request refused by the hourly limit until {AllowedAt}", allowedAt);
            return new CodeRequestResult(false, false, null, Mask(email), allowedAt);
        }

        var code = await CurrentCodeAsync(normalized, now, cancellationToken);
        string digits;
        var resent = code is not null;
        if (code is null)
        {
            digits = NewCode();
            var id = Guid.NewGuid();
            code = new VerificationCode
            {
                Id = id,
                NormalizedEmail = normalized,
                EncryptedCode = cipher.Encrypt(digits, id),
                CreatedAt = now,
                ExpiresAt = now + Rules.CodeLifetime,
                LastSentAt = now,
            };
            db.VerificationCodes.Add(code);
        }
        else
        {
            digits = cipher.Decrypt(code.EncryptedCode, code.Id);
            code.LastSentAt = now;
        }

        db.VerificationCodeSends.Add(new VerificationCodeSend { CodeId = code.Id, NormalizedEmail = normalized, ClientIp = clientIp, SentAt = now });
        outbox.Enqueue(mails.Compose(email.Trim(), digits, code.ExpiresAt, locale));
        audit.Record(db, AuditActor.RecipientAddress(email) with { IpAddress = clientIp }, AuditActions.CodeSent,
            new AuditSubjects(SubjectId: code.Id.ToString()), new { resent });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Verification code {CodeId} {Action}", code.Id, resent ? "re-sent" : "sent");
        return new CodeRequestResult(true, resent, now, Mask(email), null);
    }

    /// <summary>Checks a code typed by the recipient. Only a code that is valid, unused and not dead verifies, once.</summary>
    public async Task<CodeCheckResult> CheckAsync(string email, string? input, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        var normalized = Normalize(email);
        var now = clock.GetUtcNow();
        var code = await db.VerificationCodes.AsNoTracking()
            .Where(c => c.NormalizedEmail == normalized && c.UsedAt == null)
            .OrderByDescending(c => c.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (code is null)
        {
            return new CodeCheckResult(CodeCheckOutcome.NoCode, 0);
        }

        if (code.FailedAttempts >= Rules.MaxWrongTries)
        {
            return new CodeCheckResult(CodeCheckOutcome.Locked, 0);
        }

        if (code.ExpiresAt <= now)
        {
            return new CodeCheckResult(CodeCheckOutcome.Expired, 0);
        }

        var typed = Clean(input);
        if (typed is null)
        {
            // Not 8 digits at all: a typo, not a guess; it costs no try.
            return new CodeCheckResult(CodeCheckOutcome.Malformed, Rules.MaxWrongTries - code.FailedAttempts);
        }

        var expected = Encoding.ASCII.GetBytes(cipher.Decrypt(code.EncryptedCode, code.Id));
        var matches = CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(typed));
        CryptographicOperations.ZeroMemory(expected);
        var max = Rules.MaxWrongTries;
        var actor = AuditActor.RecipientAddress(email);
        var about = new AuditSubjects(SubjectId: code.Id.ToString());
        // The audit event commits with the code's update, or neither does.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AuditTrail.LockAsync(db, cancellationToken);
        if (matches)
        {
            // The conditions in the UPDATE make single use and the try limit hold under concurrent requests.
            var used = await db.VerificationCodes
                .Where(c => c.Id == code.Id && c.UsedAt == null && c.FailedAttempts < max)
                .ExecuteUpdateAsync(set => set.SetProperty(c => c.UsedAt, now), cancellationToken);
            if (used == 1)
            {
                audit.Record(db, actor, AuditActions.RecipientVerified, about, new { method = "code" });
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Verification code {CodeId} verified", code.Id);
                return new CodeCheckResult(CodeCheckOutcome.Verified, 0);
            }

            return new CodeCheckResult(CodeCheckOutcome.Locked, 0);
        }

        await db.VerificationCodes
            .Where(c => c.Id == code.Id && c.FailedAttempts < max)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.FailedAttempts, c => c.FailedAttempts + 1), cancellationToken);
        var attempts = await db.VerificationCodes.Where(c => c.Id == code.Id).Select(c => c.FailedAttempts).SingleAsync(cancellationToken);
        audit.Record(db, actor, AuditActions.CodeFailed, about, new { attempt = attempts, of = max });
        if (attempts >= max)
        {
            audit.Record(db, actor, AuditActions.CodeLocked, about);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogWarning("Wrong verification code for code {CodeId} ({Attempts} of {Max})", code.Id, attempts, max);
        return attempts >= max
            ? new CodeCheckResult(CodeCheckOutcome.Locked, 0)
            : new CodeCheckResult(CodeCheckOutcome.Wrong, max - attempts);
    }

    /// <summary>What the verification page says: when the last code was sent, to where (masked), and until when no new one may be asked for.</summary>
    public async Task<CodeStatus> GetStatusAsync(string email, string? clientIp, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(email);
        var now = clock.GetUtcNow();
        var last = await db.VerificationCodes.AsNoTracking()
            .Where(c => c.NormalizedEmail == normalized)
            .OrderByDescending(c => c.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        var active = last is not null && last.UsedAt is null && last.ExpiresAt > now && last.FailedAttempts < Rules.MaxWrongTries;
        return new CodeStatus(
            Mask(email),
            active ? last!.LastSentAt : null,
            active ? last!.ExpiresAt : null,
            last is not null && last.UsedAt is null && last.FailedAttempts >= Rules.MaxWrongTries,
            await NextSendAllowedAtAsync(normalized, clientIp, now, cancellationToken));
    }

    /// <summary>"a•••@example.com": enough for the recipient to recognise their address, not enough to learn it.</summary>
    public static string Mask(string email)
    {
        var trimmed = email.Trim();
        var at = trimmed.LastIndexOf('@');
        return at <= 0 ? "•••" : string.Concat(trimmed.AsSpan(0, 1), "•••", trimmed.AsSpan(at));
    }

    private async Task<VerificationCode?> CurrentCodeAsync(string normalized, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var max = Rules.MaxWrongTries;
        return await db.VerificationCodes
            .Where(c => c.NormalizedEmail == normalized && c.UsedAt == null && c.ExpiresAt > now && c.FailedAttempts < max)
            .OrderByDescending(c => c.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
    }

    private async Task<DateTimeOffset?> NextSendAllowedAtAsync(string normalized, string? clientIp, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hourAgo = now.AddHours(-1);
        var byAddress = await db.VerificationCodeSends.AsNoTracking()
            .Where(s => s.NormalizedEmail == normalized && s.SentAt > hourAgo)
            .OrderByDescending(s => s.SentAt).Select(s => s.SentAt).Take(Rules.MaxCodesPerHour)
            .ToListAsync(cancellationToken);
        DateTimeOffset? allowedAt = byAddress.Count >= Rules.MaxCodesPerHour ? byAddress[^1].AddHours(1) : null;
        if (clientIp is not null)
        {
            var byIp = await db.VerificationCodeSends.AsNoTracking()
                .Where(s => s.ClientIp == clientIp && s.SentAt > hourAgo)
                .OrderByDescending(s => s.SentAt).Select(s => s.SentAt).Take(Rules.MaxCodesPerIpPerHour)
                .ToListAsync(cancellationToken);
            if (byIp.Count >= Rules.MaxCodesPerIpPerHour && (allowedAt is null || byIp[^1].AddHours(1) > allowedAt))
            {
                allowedAt = byIp[^1].AddHours(1);
            }
        }

        return allowedAt;
    }

    private static string NewCode() => RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>The typed code without the spaces or dashes people add; null when that is not 8 digits.</summary>
    private static string? Clean(string? input)
    {
        if (input is null)
        {
            return null;
        }

        var digits = input.Where(c => c is not (' ' or '-' or '\u00a0')).ToArray();
        return digits.Length == CodeLength && digits.All(char.IsAsciiDigit) ? new string(digits) : null;
    }

    private static string Normalize(string email) => email.Trim().ToUpperInvariant();
}

public sealed record CodeRequestResult(bool Sent, bool Resent, DateTimeOffset? SentAt, string MaskedAddress, DateTimeOffset? RetryAt);

public enum CodeCheckOutcome
{
    Verified,
    Wrong,
    Locked,
    Expired,
    NoCode,
    Malformed,
}

public sealed record CodeCheckResult(CodeCheckOutcome Outcome, int TriesLeft);

/// <param name="LastSentAt">When the still-valid code was last mailed; null when there is none.</param>
/// <param name="Locked">The latest code died of wrong tries.</param>
/// <param name="NextSendAllowedAt">Until when the hourly limits forbid another code mail; null when one may be sent now.</param>
public sealed record CodeStatus(string MaskedAddress, DateTimeOffset? LastSentAt, DateTimeOffset? ExpiresAt, bool Locked, DateTimeOffset? NextSendAllowedAt);
