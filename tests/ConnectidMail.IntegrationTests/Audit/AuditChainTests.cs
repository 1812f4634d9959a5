using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests.Audit;

/// <summary>The chain on a real database (both lanes): written with its action, one chain under concurrency, tampering found.</summary>
public sealed class AuditChainTests
{
    [Fact]
    public async Task An_event_commits_and_rolls_back_with_the_action_it_records()
    {
        using var portal = new PortalFactory();
        await AddActionWithEventAsync(portal, "rolled back", commit: false);
        await AddActionWithEventAsync(portal, "committed", commit: true);

        var events = await portal.EventsAsync();
        var only = Assert.Single(events);
        Assert.Equal((1L, AuditEvent.GenesisHash), (only.Sequence, only.PreviousHash));
        Assert.Contains("committed", only.Detail, StringComparison.Ordinal);
        Assert.Equal(["committed"], await portal.WithDbAsync(db => db.DataProtectionKeys.Where(k => k.FriendlyName == "committed" || k.FriendlyName == "rolled back").Select(k => k.FriendlyName!).ToListAsync()));
        Assert.True((await portal.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task A_save_that_fails_leaves_no_event_and_the_chain_goes_on()
    {
        using var portal = new PortalFactory();
        await portal.AppendAsync(2);
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
            var existing = await db.DataProtectionKeys.AsNoTracking().FirstAsync();
            db.DataProtectionKeys.Add(new DataProtectionKey { Id = existing.Id, FriendlyName = "duplicate", Xml = "<key/>" });
            scope.ServiceProvider.GetRequiredService<AuditTrail>().Record(db, AuditActor.Portal, AuditActions.KeysRotated);
            await Assert.ThrowsAnyAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        await portal.AppendAsync(1);
        Assert.Equal([1L, 2, 3], (await portal.EventsAsync()).Select(e => e.Sequence));
        Assert.Equal(new AuditVerification(true, 3, (await portal.EventsAsync())[^1].Hash, null, null), await portal.VerifyAsync());
    }

    [Fact]
    public async Task Parallel_writers_leave_one_valid_chain()
    {
        using var portal = new PortalFactory();
        const int Writers = 24;
        const int EventsEach = 5;
        await portal.AppendAsync(1); // starts the portal before the writers race
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(() => portal.AppendAsync(EventsEach))));

        var events = await portal.EventsAsync();
        Assert.Equal(Enumerable.Range(1, 1 + (Writers * EventsEach)).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.True(events.Zip(events.Skip(1)).All(pair => pair.Second.PreviousHash == pair.First.Hash && pair.Second.At >= pair.First.At));
        var result = await portal.VerifyAsync();
        Assert.Equal((true, 1L + (Writers * EventsEach), events[^1].Hash, (long?)null), (result.Valid, result.EventCount, result.HeadHash, result.FirstInvalidSequence));
    }

    [Fact]
    public async Task Staff_changes_racing_other_appends_leave_one_valid_chain()
    {
        using var portal = new PortalFactory();
        await portal.AppendAsync(1); // starts the portal before the writers race
        var creations = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            await using var scope = portal.Services.CreateAsyncScope();
            var created = await scope.ServiceProvider.GetRequiredService<StaffAccounts>()
                .CreateUserAsync(StaffActor.Cli, $"race-{i}-{Guid.NewGuid():N}@example.org", [StaffRoles.Sender], "a sufficiently long password");
            Assert.True(created.Succeeded, created.Error);
        }));
        var appends = Enumerable.Range(0, 6).Select(_ => Task.Run(() => portal.AppendAsync(5)));

        await Task.WhenAll(creations.Concat(appends));

        var events = await portal.EventsAsync();
        Assert.Equal(6, events.Count(e => e.Action == AuditActions.UserCreated));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.True((await portal.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task Times_keep_their_microseconds_through_the_database()
    {
        using var portal = new PortalFactory();
        await portal.AppendAsync(3);
        var events = await portal.EventsAsync();
        Assert.All(events, e => Assert.Equal(e.Hash, AuditHashing.ComputeHash(e)));
        Assert.All(events, e => Assert.Equal(TimeSpan.Zero, e.At.Offset));
        Assert.Contains(events, e => e.At.UtcTicks % TimeSpan.TicksPerMillisecond != 0);
    }

    [Fact]
    public async Task An_edited_event_names_itself()
    {
        using var portal = await ChainOfAsync(8);
        await portal.SqlAsync("""UPDATE "AuditEvents" SET "ActorDisplay" = 'someone else' WHERE "Sequence" = 5""");
        await AssertInvalidAtAsync(portal, 5, "altered");
    }

    [Fact]
    public async Task An_edited_event_with_its_hash_recomputed_is_found_by_the_next_one()
    {
        using var portal = await ChainOfAsync(8);
        var fifth = (await portal.EventsAsync())[4];
        var forgedHash = AuditHashing.Sha256Hex(AuditHashing.CanonicalForm(fifth).Replace("\"display\":\"portal\"", "\"display\":\"someone else\"", StringComparison.Ordinal));
        await portal.SqlAsync($"""UPDATE "AuditEvents" SET "ActorDisplay" = 'someone else', "Hash" = '{forgedHash}' WHERE "Sequence" = 5""");
        await AssertInvalidAtAsync(portal, 6, "does not follow");
    }

    [Fact]
    public async Task A_deleted_event_names_its_own_number()
    {
        using var portal = await ChainOfAsync(8);
        await portal.SqlAsync("""DELETE FROM "AuditEvents" WHERE "Sequence" = 4""");
        await AssertInvalidAtAsync(portal, 4, "missing");
    }

    [Fact]
    public async Task Two_swapped_events_name_the_first_place()
    {
        using var portal = await ChainOfAsync(8);
        await portal.SqlAsync("""
            UPDATE "AuditEvents" SET "Sequence" = -3 WHERE "Sequence" = 3;
            UPDATE "AuditEvents" SET "Sequence" = 3 WHERE "Sequence" = 6;
            UPDATE "AuditEvents" SET "Sequence" = 6 WHERE "Sequence" = -3;
            """);
        await AssertInvalidAtAsync(portal, 3, "altered");
    }

    [Fact]
    public async Task A_cut_tail_is_found_against_an_anchor_and_is_invisible_without_one()
    {
        using var portal = await ChainOfAsync(8);
        var eighth = (await portal.EventsAsync())[7];
        await portal.SqlAsync("""DELETE FROM "AuditEvents" WHERE "Sequence" > 6""");

        Assert.True((await portal.VerifyAsync()).Valid);
        var result = await portal.VerifyAsync(new AuditAnchor(8, eighth.Hash, "checkpoint 1"));
        Assert.Equal((false, 6L, 7L), (result.Valid, result.EventCount, result.FirstInvalidSequence));
        Assert.Contains("cut", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rewritten_chain_does_not_match_an_anchor()
    {
        using var portal = await ChainOfAsync(4);
        var result = await portal.VerifyAsync(new AuditAnchor(3, new string('a', 64), "checkpoint 1"));
        Assert.Equal((false, 3L), (result.Valid, result.FirstInvalidSequence));
    }

    private static async Task<PortalFactory> ChainOfAsync(int count)
    {
        var portal = new PortalFactory();
        await portal.AppendAsync(count);
        Assert.True((await portal.VerifyAsync()).Valid);
        return portal;
    }

    private static async Task AssertInvalidAtAsync(PortalFactory portal, long sequence, string problem)
    {
        var result = await portal.VerifyAsync();
        Assert.False(result.Valid);
        Assert.Equal(sequence, result.FirstInvalidSequence);
        Assert.Contains(problem, result.Problem, StringComparison.Ordinal);
    }

    private static async Task AddActionWithEventAsync(PortalFactory portal, string name, bool commit)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = name, Xml = "<key/>" });
        scope.ServiceProvider.GetRequiredService<AuditTrail>().Record(db, AuditActor.Portal, AuditActions.KeysRotated, detail: new { name });
        await db.SaveChangesAsync();
        if (commit)
        {
            await transaction.CommitAsync();
        }
    }
}
