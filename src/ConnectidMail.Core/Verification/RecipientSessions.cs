using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Verification;

/// <summary>Server-side sessions of verified recipients, with an idle and an absolute limit.</summary>
public sealed class RecipientSessions(ConnectidDbContext db, IOptions<RecipientSessionOptions> options, TimeProvider clock, ILogger<RecipientSessions> logger)
{
    /// <summary>Last-seen times are written at most this often, so reading a page does not write on every request.</summary>
    private static readonly TimeSpan TouchGranularity = TimeSpan.FromMinutes(1);

    public async Task<RecipientSession> StartAsync(string email, string method, string? clientIp, string? userAgent, Guid? passkeyId = null, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var session = new RecipientSession
        {
            Id = Guid.NewGuid(),
            Email = email.Trim(),
            NormalizedEmail = email.Trim().ToUpperInvariant(),
            Method = method,
            PasskeyId = passkeyId,
            CreatedAt = now,
            LastSeenAt = now,
            ClientIp = clientIp,
            UserAgent = userAgent is { Length: > RecipientSession.MaxUserAgentLength } ? userAgent[..RecipientSession.MaxUserAgentLength] : userAgent,
        };
        db.RecipientSessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Recipient session {SessionId} started ({Method})", session.Id, method);
        return session;
    }

    /// <summary>The session if it is still alive (and marks it seen); ends it and returns null when a limit has passed.</summary>
    public async Task<RecipientSession?> ValidateAsync(Guid sessionId, CancellationToken cancellationToken = default)
    {
        var session = await db.RecipientSessions.SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        if (session is null || session.EndedAt is not null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var reason = now - session.CreatedAt >= options.Value.AbsoluteLimit ? SessionEndReasons.Absolute
            : now - session.LastSeenAt >= options.Value.IdleLimit ? SessionEndReasons.Idle
            : null;
        if (reason is not null)
        {
            End(session, reason, now);
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }

        if (now - session.LastSeenAt >= TouchGranularity)
        {
            session.LastSeenAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return session;
    }

    /// <summary>Whether the session is alive, without marking it seen (for revalidating open circuits).</summary>
    public async Task<bool> IsAliveAsync(Guid sessionId, CancellationToken cancellationToken = default)
    {
        var session = await db.RecipientSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        var now = clock.GetUtcNow();
        return session is { EndedAt: null }
            && now - session.CreatedAt < options.Value.AbsoluteLimit
            && now - session.LastSeenAt < options.Value.IdleLimit;
    }

    public async Task EndAsync(Guid sessionId, string reason, CancellationToken cancellationToken = default)
    {
        var session = await db.RecipientSessions.SingleOrDefaultAsync(s => s.Id == sessionId && s.EndedAt == null, cancellationToken);
        if (session is not null)
        {
            End(session, reason, clock.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>Ends every open session of the address (consent withdrawn, "this wasn't me"); returns how many. Saved with the caller's changes.</summary>
    public async Task<int> EndAllForAddressAsync(string email, string reason, CancellationToken cancellationToken = default)
    {
        var normalized = email.Trim().ToUpperInvariant();
        var open = await db.RecipientSessions.Where(s => s.NormalizedEmail == normalized && s.EndedAt == null).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        foreach (var session in open)
        {
            End(session, reason, now);
        }

        return open.Count;
    }

    /// <summary>Records that the message's access code was entered in this session.</summary>
    public async Task UnlockAsync(Guid sessionId, Guid messageId, CancellationToken cancellationToken = default)
    {
        if (!await db.RecipientSessionUnlocks.AnyAsync(u => u.SessionId == sessionId && u.MessageId == messageId, cancellationToken))
        {
            db.RecipientSessionUnlocks.Add(new RecipientSessionUnlock { SessionId = sessionId, MessageId = messageId, UnlockedAt = clock.GetUtcNow() });
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>Carries the access codes entered in a session over to the session that replaced it in the same browser.</summary>
    public async Task CarryUnlocksAsync(Guid fromSessionId, Guid toSessionId, CancellationToken cancellationToken = default)
    {
        var messages = await db.RecipientSessionUnlocks.Where(u => u.SessionId == fromSessionId).Select(u => u.MessageId).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        db.RecipientSessionUnlocks.AddRange(messages.Select(m => new RecipientSessionUnlock { SessionId = toSessionId, MessageId = m, UnlockedAt = now }));
        await db.SaveChangesAsync(cancellationToken);
    }

    public Task<bool> IsUnlockedAsync(Guid sessionId, Guid messageId, CancellationToken cancellationToken = default) =>
        db.RecipientSessionUnlocks.AnyAsync(u => u.SessionId == sessionId && u.MessageId == messageId, cancellationToken);

    private void End(RecipientSession session, string reason, DateTimeOffset now)
    {
        session.EndedAt = now;
        session.EndReason = reason;
        logger.LogInformation("Recipient session {SessionId} ended ({Reason})", session.Id, reason);
    }
}

/// <summary>Recipient session limits (<c>Recipients:*</c>).</summary>
public sealed class RecipientSessionOptions
{
    public const string Section = "Recipients";

    public int SessionIdleMinutes { get; set; } = 30;

    public int SessionAbsoluteHours { get; set; } = 12;

    public TimeSpan IdleLimit => TimeSpan.FromMinutes(SessionIdleMinutes);

    public TimeSpan AbsoluteLimit => TimeSpan.FromHours(SessionAbsoluteHours);
}
