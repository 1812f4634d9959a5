using ConnectidMail.Persistence;
using ConnectidMail.Testing;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Verification.RecipientTestSupport;

namespace ConnectidMail.IntegrationTests.Verification;

/// <summary>Server-side recipient sessions on a real database and a fake clock: the idle and absolute limits, ending, unlocks.</summary>
public sealed class RecipientSessionsTests
{
    [Fact]
    public async Task A_started_session_validates_and_is_stored_with_how_and_from_where()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        var email = NewAddress();

        var started = await StartAsync(portal, $" {email} ", VerificationMethods.Code, "203.0.113.7", new string('x', 600));
        var valid = await ValidateAsync(portal, started.Id);

        Assert.NotNull(valid);
        Assert.Equal(started.Id, valid.Id);
        Assert.Equal(email, valid.Email);
        Assert.Equal(email.ToUpperInvariant(), valid.NormalizedEmail);
        Assert.Equal(VerificationMethods.Code, valid.Method);
        Assert.Equal(clock.GetUtcNow(), valid.CreatedAt);
        Assert.Equal("203.0.113.7", valid.ClientIp);
        Assert.Equal(RecipientSession.MaxUserAgentLength, valid.UserAgent!.Length);
        Assert.Null(valid.EndedAt);
        Assert.Null(await ValidateAsync(portal, Guid.NewGuid()));
    }

    [Fact]
    public async Task A_session_idle_for_30_minutes_ends_with_reason_idle()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        var session = await StartAsync(portal, NewAddress());

        // Used just before the idle limit: the use restarts the idle time.
        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.NotNull(await ValidateAsync(portal, session.Id));
        Assert.Equal(clock.GetUtcNow(), (await RowAsync(portal, session.Id)).LastSeenAt);
        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.NotNull(await ValidateAsync(portal, session.Id));

        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Null(await ValidateAsync(portal, session.Id));

        var row = await RowAsync(portal, session.Id);
        Assert.Equal(SessionEndReasons.Idle, row.EndReason);
        Assert.Equal(clock.GetUtcNow(), row.EndedAt);
        // Ended for good: even "active" again it stays ended.
        Assert.Null(await ValidateAsync(portal, session.Id));
        Assert.False(await IsAliveAsync(portal, session.Id));
    }

    [Fact]
    public async Task A_session_used_every_20_minutes_still_ends_after_12_hours_with_reason_absolute()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        var session = await StartAsync(portal, NewAddress());
        var end = clock.GetUtcNow().AddHours(12);

        while (clock.GetUtcNow().AddMinutes(20) < end)
        {
            clock.Advance(TimeSpan.FromMinutes(20));
            Assert.NotNull(await ValidateAsync(portal, session.Id));
        }

        clock.SetUtcNow(end);
        Assert.False(await IsAliveAsync(portal, session.Id));
        Assert.Null(await ValidateAsync(portal, session.Id));

        var row = await RowAsync(portal, session.Id);
        Assert.Equal(SessionEndReasons.Absolute, row.EndReason);
        Assert.Equal(end, row.EndedAt);
    }

    [Fact]
    public async Task An_ended_session_no_longer_validates()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        var session = await StartAsync(portal, NewAddress());
        var other = await StartAsync(portal, NewAddress());

        await RecipientTestSupport.UseAsync<RecipientSessions>(portal, s => s.EndAsync(session.Id, SessionEndReasons.SignedOut));

        Assert.Null(await ValidateAsync(portal, session.Id));
        Assert.False(await IsAliveAsync(portal, session.Id));
        var row = await RowAsync(portal, session.Id);
        Assert.Equal(SessionEndReasons.SignedOut, row.EndReason);
        Assert.Equal(clock.GetUtcNow(), row.EndedAt);
        Assert.NotNull(await ValidateAsync(portal, other.Id));
    }

    [Fact]
    public async Task Ending_all_sessions_of_an_address_ends_only_that_address_in_any_case()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        var email = NewAddress();
        var first = await StartAsync(portal, email);
        var second = await StartAsync(portal, email.ToUpperInvariant(), VerificationMethods.Passkey);
        var someoneElse = await StartAsync(portal, NewAddress());

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var ended = await scope.ServiceProvider.GetRequiredService<RecipientSessions>()
                .EndAllForAddressAsync($"  {email[..1].ToUpperInvariant()}{email[1..]} ", SessionEndReasons.NotMe);
            Assert.Equal(2, ended);
            // Saved with the caller's changes, as its contract says.
            await scope.ServiceProvider.GetRequiredService<ConnectidDbContext>().SaveChangesAsync();
        }

        Assert.Null(await ValidateAsync(portal, first.Id));
        Assert.Null(await ValidateAsync(portal, second.Id));
        Assert.Equal(SessionEndReasons.NotMe, (await RowAsync(portal, first.Id)).EndReason);
        Assert.Equal(SessionEndReasons.NotMe, (await RowAsync(portal, second.Id)).EndReason);
        Assert.NotNull(await ValidateAsync(portal, someoneElse.Id));
        Assert.Null((await RowAsync(portal, someoneElse.Id)).EndedAt);
    }

    [Fact]
    public async Task IsAlive_does_not_mark_the_session_seen()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        var session = await StartAsync(portal, NewAddress());
        var startedAt = clock.GetUtcNow();

        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(5));
            Assert.True(await IsAliveAsync(portal, session.Id));
        }

        Assert.Equal(startedAt, (await RowAsync(portal, session.Id)).LastSeenAt);
        clock.SetUtcNow(startedAt.AddMinutes(30));
        Assert.False(await IsAliveAsync(portal, session.Id));
        Assert.Null(await ValidateAsync(portal, session.Id));
        Assert.Equal(SessionEndReasons.Idle, (await RowAsync(portal, session.Id)).EndReason);
    }

    [Fact]
    public async Task Unlocks_are_recorded_per_session_and_message()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        var email = NewAddress();
        var session = await StartAsync(portal, email);
        var other = await StartAsync(portal, email);
        var (message, otherMessage) = (Guid.NewGuid(), Guid.NewGuid());

        await RecipientTestSupport.UseAsync<RecipientSessions>(portal, s => s.UnlockAsync(session.Id, message));
        // Unlocking again changes nothing.
        await RecipientTestSupport.UseAsync<RecipientSessions>(portal, s => s.UnlockAsync(session.Id, message));

        Assert.True(await IsUnlockedAsync(portal, session.Id, message));
        Assert.False(await IsUnlockedAsync(portal, session.Id, otherMessage));
        Assert.False(await IsUnlockedAsync(portal, other.Id, message));
        var unlock = Assert.Single(await portal.WithDbAsync(db => db.RecipientSessionUnlocks.AsNoTracking().Where(u => u.SessionId == session.Id).ToListAsync()));
        Assert.Equal(message, unlock.MessageId);
        Assert.Equal(clock.GetUtcNow(), unlock.UnlockedAt);
    }

    internal static Task<RecipientSession> StartAsync(
        PortalFactory portal, string email, string method = VerificationMethods.Code, string? ip = "203.0.113.7", string? userAgent = "Test browser") =>
        RecipientTestSupport.UseAsync<RecipientSessions, RecipientSession>(portal, s => s.StartAsync(email, method, ip, userAgent));

    private static Task<RecipientSession?> ValidateAsync(PortalFactory portal, Guid id) =>
        RecipientTestSupport.UseAsync<RecipientSessions, RecipientSession?>(portal, s => s.ValidateAsync(id));

    private static Task<bool> IsAliveAsync(PortalFactory portal, Guid id) =>
        RecipientTestSupport.UseAsync<RecipientSessions, bool>(portal, s => s.IsAliveAsync(id));

    private static Task<bool> IsUnlockedAsync(PortalFactory portal, Guid id, Guid messageId) =>
        RecipientTestSupport.UseAsync<RecipientSessions, bool>(portal, s => s.IsUnlockedAsync(id, messageId));

    private static Task<RecipientSession> RowAsync(PortalFactory portal, Guid id) =>
        portal.WithDbAsync(db => db.RecipientSessions.AsNoTracking().SingleAsync(s => s.Id == id));
}
