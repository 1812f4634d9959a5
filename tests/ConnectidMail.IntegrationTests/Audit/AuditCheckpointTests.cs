using System.Net.Http.Json;
using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Crypto;
using ConnectidMail.IntegrationTests.Uploads;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using ConnectidMail.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Audit;

/// <summary>Signed checkpoints on a real database (both lanes): when they are made, what they prove, rotation and the witness mail.</summary>
public sealed class AuditCheckpointTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>How often the checkpoint worker looks (AuditCheckpointWorker.PollInterval).</summary>
    private static readonly TimeSpan WorkerPollInterval = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_checkpoint_is_made_after_the_configured_number_of_events_and_verifies_with_the_published_key()
    {
        using var portal = new PortalFactory(new Dictionary<string, string?> { ["Audit:CheckpointEveryEvents"] = "5" });
        await portal.AppendAsync(4);
        await Task.Delay(WorkerPollInterval + TimeSpan.FromSeconds(1)); // more than one look of the worker
        Assert.Empty(await CheckpointsAsync(portal));

        await portal.AppendAsync(1);
        var checkpoint = await WaitForCheckpointAsync(portal, _ => true);
        var events = await portal.EventsAsync();
        Assert.Equal(events.Single(e => e.Sequence == checkpoint.Sequence).Hash, checkpoint.HeadHash);
        Assert.True(checkpoint.Sequence >= 5);

        var key = Assert.Single(await KeysAsync(portal));
        Assert.Equal(checkpoint.KeyId, key.KeyId);
        Assert.True(AuditCheckpointSignature.Verify(checkpoint, key));
        Assert.False(AuditCheckpointSignature.Verify(checkpoint with { Sequence = checkpoint.Sequence - 1 }, key));
        Assert.False(AuditCheckpointSignature.Verify(checkpoint with { HeadHash = events[0].Hash }, key));
        Assert.False(AuditCheckpointSignature.Verify(checkpoint with { Time = checkpoint.Time.AddSeconds(-1) }, key));
    }

    [Fact]
    public async Task A_checkpoint_is_made_once_the_oldest_uncovered_event_is_the_interval_old_and_never_without_new_events()
    {
        var clock = NewClock();
        using var portal = new PortalFactory(new Dictionary<string, string?> { ["Audit:CheckpointEveryMinutes"] = "60" })
        {
            TestServices = services => services.AddSingleton<TimeProvider>(clock),
        };
        await portal.AppendAsync(3);
        clock.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(TimeSpan.FromSeconds(1));
        clock.Advance(WorkerPollInterval);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(await CheckpointsAsync(portal));

        clock.Advance(TimeSpan.FromMinutes(1));
        var checkpoint = await WaitForCheckpointAsync(portal, _ => true, clock);
        Assert.Equal(3, checkpoint.Sequence);

        clock.Advance(TimeSpan.FromHours(3));
        await Task.Delay(TimeSpan.FromSeconds(1));
        clock.Advance(WorkerPollInterval);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(await CheckpointsAsync(portal));
    }

    [Fact]
    public async Task A_cut_tail_after_a_checkpoint_is_found_by_the_api_and_the_cli()
    {
        using var portal = new PortalFactory();
        using var auditor = await AuditorClientAsync(portal);
        await portal.AppendAsync(8);
        var head = (await portal.EventsAsync())[^1].Sequence;
        Assert.Equal(head, (await MakeCheckpointAsync(portal)).Sequence);
        Assert.True((await auditor.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify")).GetProperty("valid").GetBoolean());

        await portal.SqlAsync($"""DELETE FROM "AuditEvents" WHERE "Sequence" > {head - 2}""");

        var body = await auditor.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        Assert.False(body.GetProperty("valid").GetBoolean());
        Assert.Equal(head - 2, body.GetProperty("eventCount").GetInt64());
        Assert.Equal(head - 1, body.GetProperty("firstInvalidSequence").GetInt64());
        Assert.Contains("cut", body.GetProperty("problem").GetString(), StringComparison.Ordinal);
        var cli = await AdminCliRunner.RunAsync(portal, "audit", "verify");
        Assert.Equal(1, cli.ExitCode);
        Assert.Equal(head - 1, JsonDocument.Parse(cli.OutputLines[^1]).RootElement.GetProperty("firstInvalidSequence").GetInt64());
    }

    [Fact]
    public async Task A_forged_or_edited_checkpoint_makes_the_trail_invalid_at_its_sequence()
    {
        using var portal = new PortalFactory();
        using var auditor = await AuditorClientAsync(portal);
        await portal.AppendAsync(4);
        var first = await MakeCheckpointAsync(portal);
        await portal.AppendAsync(3);
        var second = await MakeCheckpointAsync(portal);
        var valid = await auditor.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        Assert.Equal((true, 2), (valid.GetProperty("valid").GetBoolean(), valid.GetProperty("checkpointCount").GetInt32()));

        // A signature made with a key that is not the portal's.
        using var forger = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var forged = AuditCheckpointSignature.Sign(forger, first.KeyId, first.Sequence, first.HeadHash, first.Time);
        await portal.SqlAsync($"""UPDATE "AuditCheckpoints" SET "Signature" = '{forged.Signature}' WHERE "Sequence" = {first.Sequence}""");
        await AssertInvalidAtAsync(auditor, first.Sequence, "forged");

        await portal.SqlAsync($"""UPDATE "AuditCheckpoints" SET "Signature" = '{first.Signature}' WHERE "Sequence" = {first.Sequence}""");
        await portal.SqlAsync($"""UPDATE "AuditCheckpoints" SET "Time" = "Time" + 1000000 WHERE "Sequence" = {second.Sequence}""");
        await AssertInvalidAtAsync(auditor, second.Sequence, "forged");

        await portal.SqlAsync($"""UPDATE "AuditCheckpoints" SET "Time" = "Time" - 1000000 WHERE "Sequence" = {second.Sequence}""");
        await portal.SqlAsync($"""UPDATE "AuditCheckpoints" SET "Sequence" = {second.Sequence - 1} WHERE "Sequence" = {second.Sequence}""");
        await AssertInvalidAtAsync(auditor, second.Sequence - 1, "forged");

        await portal.SqlAsync($"""UPDATE "AuditCheckpoints" SET "Sequence" = {second.Sequence}, "HeadHash" = '{first.HeadHash}' WHERE "Sequence" = {second.Sequence - 1}""");
        await AssertInvalidAtAsync(auditor, second.Sequence, "forged");
    }

    [Fact]
    public async Task Rotation_signs_new_checkpoints_with_the_new_key_and_old_ones_still_verify()
    {
        using var portal = new PortalFactory();
        using var auditor = await AuditorClientAsync(portal);
        await portal.AppendAsync(3);
        var before = await MakeCheckpointAsync(portal);

        var rotated = await AdminCliRunner.RunAsync(portal, "audit", "rotate-key");
        Assert.True(rotated.ExitCode == 0, rotated.Error);
        await portal.AppendAsync(2);
        var after = await MakeCheckpointAsync(portal);

        var keys = await KeysAsync(portal);
        Assert.Equal(2, keys.Count);
        var (oldKey, newKey) = (keys[0], keys[1]);
        Assert.NotNull(oldKey.RetiredAt);
        Assert.Null(newKey.RetiredAt);
        Assert.Contains($"fingerprint {newKey.Fingerprint}", rotated.Output, StringComparison.Ordinal);
        Assert.Equal((oldKey.KeyId, newKey.KeyId), (before.KeyId, after.KeyId));
        Assert.True(AuditCheckpointSignature.Verify(before, oldKey));
        Assert.True(AuditCheckpointSignature.Verify(after, newKey));
        Assert.False(AuditCheckpointSignature.Verify(after with { KeyId = oldKey.KeyId }, oldKey));

        var rotation = (await portal.EventsAsync()).Single(e => e.Action == AuditActions.AuditKeyRotated);
        Assert.Equal((AuditActorKind.System, newKey.KeyId), (rotation.ActorKind, rotation.SubjectId));
        Assert.Contains(oldKey.KeyId, rotation.Detail, StringComparison.Ordinal);
        Assert.True(after.Sequence >= rotation.Sequence);

        var verified = await auditor.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        Assert.Equal((true, 2), (verified.GetProperty("valid").GetBoolean(), verified.GetProperty("checkpointCount").GetInt32()));
        var published = await auditor.GetFromJsonAsync<JsonElement>("/api/v1/audit/checkpoints");
        Assert.Equal([oldKey.Fingerprint, newKey.Fingerprint], published.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("fingerprint").GetString()));
        Assert.Equal([before.Signature, after.Signature], published.GetProperty("checkpoints").EnumerateArray().Select(c => c.GetProperty("signature").GetString()));
    }

    [Fact]
    public async Task The_admin_dashboard_shows_the_current_key_fingerprint()
    {
        using var portal = new PortalFactory();
        var page = await UploadCheckTests.AdminDashboardAsync(portal);
        var key = Assert.Single(await KeysAsync(portal));
        Assert.Contains($"<code id=\"audit-key-fingerprint\">{key.Fingerprint}</code>", page, StringComparison.Ordinal);
        Assert.Equal(64, key.Fingerprint.Length);
    }

    [Fact]
    public async Task The_witness_gets_each_checkpoint_by_mail_with_its_signature_and_nothing_secret()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        var settings = sink.PortalSettings();
        settings["Audit:WitnessEmail"] = "witness@example.org";
        settings["Audit:CheckpointEveryEvents"] = "3";
        using var portal = new PortalFactory(settings);
        var marker = NewMarker();
        await portal.AppendAsync(3, AuditActions.UploadRejected);
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConnectidMail.Persistence.ConnectidDbContext>();
            scope.ServiceProvider.GetRequiredService<AuditTrail>().Record(db, AuditActor.Portal, AuditActions.UploadRejected, detail: new { name = marker });
            await db.SaveChangesAsync();
        }

        var mail = await sink.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == "witness@example.org"), Patience);
        var checkpoint = (await CheckpointsAsync(portal))[0];
        var key = Assert.Single(await KeysAsync(portal));
        var text = mail.TextBody;
        Assert.Contains($"audit checkpoint {checkpoint.Sequence}", mail.Subject, StringComparison.Ordinal);
        foreach (var expected in new[] { checkpoint.HeadHash, checkpoint.Signature, checkpoint.KeyId, key.Fingerprint, key.PublicKey, AuditHashing.FormatTime(checkpoint.Time) })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }

        // Nothing secret: neither the master key nor the signing key's private half, nor any event's content.
        var masterKey = await File.ReadAllBytesAsync(portal.MasterKeyFile);
        using var signingKey = AuditSigningKeys.Derive(portal.Services.GetRequiredService<IMasterKeyProvider>(), 1);
        var privateScalar = signingKey.ExportParameters(includePrivateParameters: true).D!;
        var whole = mail.ToString();
        Assert.DoesNotContain(marker, whole, StringComparison.Ordinal);
        foreach (var secret in new[] { Convert.ToBase64String(masterKey), Convert.ToHexString(masterKey), Convert.ToBase64String(privateScalar), Convert.ToHexString(privateScalar) })
        {
            Assert.DoesNotContain(secret, whole, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Bad_checkpoint_settings_stop_the_start_with_one_line_each()
    {
        using var folder = new TempFolder();
        var error = new StringWriter();
        var console = new ConsoleStreams(new StringReader(""), new StringWriter(), error, InputIsTerminal: false);
        string[] args =
        [
            "--environment=Development", $"--Storage:DataPath={folder.Combine("data")}", $"--Keys:MasterKeyFile={folder.Combine("keys", "master.key")}",
            "--urls=http://127.0.0.1:0", "--Audit:CheckpointEveryEvents=0", "--Audit:CheckpointEveryMinutes=99999", "--Audit:WitnessEmail=Witness <w@example.org>",
        ];

        Assert.Equal(1, await Program.RunAsync(args, console));
        Assert.Equal(
            [
                "ConnectidMail cannot start: Audit:CheckpointEveryEvents 0 must be from 1 to 1000000.",
                "ConnectidMail cannot start: Audit:CheckpointEveryMinutes 99999 must be from 1 to 10080 (a week).",
                "ConnectidMail cannot start: Audit:WitnessEmail 'Witness <w@example.org>' is not a plain mail address (user@example.org).",
            ],
            error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static async Task AssertInvalidAtAsync(HttpClient auditor, long sequence, string problem)
    {
        var body = await auditor.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        Assert.False(body.GetProperty("valid").GetBoolean());
        Assert.Equal(sequence, body.GetProperty("firstInvalidSequence").GetInt64());
        Assert.Contains(problem, body.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    private static async Task<AuditCheckpoint> MakeCheckpointAsync(PortalFactory portal)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>().MakeNowAsync() ?? throw new InvalidOperationException("No checkpoint was made.");
    }

    private static Task<List<AuditCheckpoint>> CheckpointsAsync(PortalFactory portal) =>
        portal.WithDbAsync(db => db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Sequence).ToListAsync());

    private static Task<List<AuditSigningKey>> KeysAsync(PortalFactory portal) => portal.WithDbAsync(async db =>
        (await db.AuditSigningKeys.AsNoTracking().OrderBy(k => k.Version).ToListAsync()).Select(k => k.ToPublicKey()).ToList());

    /// <summary>Waits for the worker; with a fake clock, moves it on a poll interval at a time so the worker looks again.</summary>
    private static async Task<AuditCheckpoint> WaitForCheckpointAsync(PortalFactory portal, Func<AuditCheckpoint, bool> match, FakeTimeProvider? clock = null)
    {
        var until = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < until)
        {
            if ((await CheckpointsAsync(portal)).FirstOrDefault(match) is { } found)
            {
                return found;
            }

            clock?.Advance(WorkerPollInterval);
            await Task.Delay(200);
        }

        throw new TimeoutException("No checkpoint was made in time.");
    }

    private static async Task<HttpClient> AuditorClientAsync(PortalFactory portal)
    {
        var email = $"auditor-{Guid.NewGuid():N}@example.com";
        var user = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", StaffRoles.Auditor, "--password", "a sufficiently long password");
        Assert.True(user.ExitCode == 0, user.Error);
        var key = await AdminCliRunner.RunAsync(portal, "create-api-key", "--email", email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        return ClientWithKey(portal, key.OutputLines[^1]);
    }
}
