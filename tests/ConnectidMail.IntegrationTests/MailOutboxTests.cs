using System.Diagnostics;
using System.Text;
using ConnectidMail.Mail;
using ConnectidMail.Persistence;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace ConnectidMail.IntegrationTests;

/// <summary>
/// The transactional outbox against a real SQLite file and a real SMTP server. Most portals here run on a fake clock
/// that never moves by itself, so a mail that leaves at once was sent because the commit woke the dispatcher, and
/// retries happen exactly when a test moves the clock.
/// </summary>
public sealed class MailOutboxTests
{
    private const string Recipient = "someone@example.org";

    [Fact]
    public async Task A_queued_mail_reaches_SMTP_at_once_with_text_and_HTML_parts_the_portal_sender_and_its_stable_Message_ID()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        var logs = new LogCollector();
        using var portal = Portal(sink.PortalSettings(), NewClock(), logs);
        Start(portal);
        var marker = NewMarker();

        var stopwatch = Stopwatch.StartNew();
        var queued = await EnqueueAsync(portal, MailWith(marker));
        var received = await sink.WaitForMessageIdAsync(queued.MessageId, TimeSpan.FromSeconds(5));
        stopwatch.Stop();

        Assert.Equal(queued.MessageId, received.MessageId);
        Assert.EndsWith("@localhost", queued.MessageId, StringComparison.Ordinal);
        Assert.Equal("no-reply@localhost", Assert.Single(received.From.Mailboxes).Address);
        Assert.Equal(Recipient, Assert.Single(received.To.Mailboxes).Address);
        Assert.Equal($"Subject {marker}", received.Subject);
        Assert.Equal("multipart/alternative", received.Body!.ContentType.MimeType);
        Assert.Contains($"https://portal.example/r/{marker}", received.TextBody, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"https://portal.example/r/{marker}\">", received.HtmlBody, StringComparison.Ordinal);

        var sent = await WaitForRowAsync(portal, queued.Id, m => m.SentAt is not null);
        Assert.Equal(1, sent.Attempts);
        Assert.Empty(sent.EncryptedContent);
        Assert.Null(sent.NextAttemptAt);
        Assert.Null(sent.LockedUntil);

        Assert.DoesNotContain(logs.Lines, line => line.Contains(marker, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(Recipient, StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Contains(queued.Id.ToString(), StringComparison.Ordinal) && line.Contains("example.org", StringComparison.Ordinal));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"The mail took {stopwatch.Elapsed}.");
    }

    [Fact]
    public async Task A_mail_queued_in_a_transaction_that_is_rolled_back_is_never_sent()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(sink.PortalSettings(), NewClock());

        var rolledBack = await EnqueueInTransactionAsync(portal, MailWith(NewMarker()), commit: false);
        // The same path committed: its arrival also shows that committing a transaction wakes the dispatcher.
        var committed = await EnqueueInTransactionAsync(portal, MailWith(NewMarker()), commit: true);
        await sink.WaitForMessageIdAsync(committed.MessageId);

        Assert.Equal(committed.MessageId, Assert.Single(sink.Messages).MessageId);
        Assert.Null(await portal.WithDbAsync(db => db.OutboxMails.SingleOrDefaultAsync(m => m.Id == rolledBack.Id)));
    }

    [Fact]
    public async Task With_the_SMTP_server_down_the_mail_is_retried_within_30_seconds_and_arrives_exactly_once_when_it_is_up()
    {
        await using var sink = SmtpSink.OnFreePort();
        var clock = NewClock();
        using var portal = Portal(sink.PortalSettings(), clock);

        var queued = await EnqueueAsync(portal, MailWith(NewMarker()));
        var failed = await WaitForRowAsync(portal, queued.Id, m => m.Attempts == 1);

        Assert.Equal("Connection failed (ConnectionRefused)", failed.LastError);
        Assert.Equal(clock.GetUtcNow() + RetrySchedule.FirstRetryDelay, failed.NextAttemptAt);
        Assert.True(failed.NextAttemptAt - clock.GetUtcNow() <= TimeSpan.FromSeconds(30));
        Assert.Null(failed.SentAt);
        Assert.NotEmpty(failed.EncryptedContent);

        await sink.StartAsync();
        await AdvanceUntilAsync(clock, RetrySchedule.FirstRetryDelay, () => RowAsync(portal, queued.Id), m => m.SentAt is not null);
        await sink.WaitForMessageIdAsync(queued.MessageId);

        // The server goes down again and comes back on the same port: the next mail waits for it, and the first one,
        // although the dispatcher has run several times since, is not repeated.
        await sink.StopAsync();
        var later = await EnqueueAsync(portal, MailWith(NewMarker()));
        await WaitForRowAsync(portal, later.Id, m => m.Attempts == 1);
        await sink.StartAsync();
        await AdvanceUntilAsync(clock, RetrySchedule.FirstRetryDelay, () => RowAsync(portal, later.Id), m => m.SentAt is not null);

        await sink.WaitForMessageIdAsync(later.MessageId);
        Assert.Equal([queued.MessageId, later.MessageId], sink.Messages.Select(m => m.MessageId));
        Assert.Equal(2, (await RowAsync(portal, queued.Id)).Attempts);
    }

    [Fact]
    public async Task A_restart_sends_a_pending_mail_once_and_a_further_restart_sends_no_duplicate()
    {
        await using var sink = SmtpSink.OnFreePort();
        using var data = new TempFolder();
        var settings = SharedDataSettings(data, sink);
        var clock = NewClock();

        OutboxMail queued;
        using (var first = Portal(settings, clock))
        {
            queued = await EnqueueAsync(first, MailWith(NewMarker()));
            await WaitForRowAsync(first, queued.Id, m => m.Attempts == 1);
        }

        await sink.StartAsync();
        using (var second = Portal(settings, new FakeTimeProvider(clock.GetUtcNow() + TimeSpan.FromMinutes(1))))
        {
            Start(second);
            await sink.WaitForMessageIdAsync(queued.MessageId);
            await WaitForRowAsync(second, queued.Id, m => m.SentAt is not null);
        }

        using (var third = Portal(settings, new FakeTimeProvider(clock.GetUtcNow() + TimeSpan.FromHours(2))))
        {
            var later = await EnqueueAsync(third, MailWith(NewMarker()));
            await sink.WaitForMessageIdAsync(later.MessageId);
        }

        Assert.Single(sink.Messages, m => m.MessageId == queued.MessageId);
        Assert.Equal(2, sink.Messages.Count);
    }

    [Fact]
    public async Task The_stored_mail_holds_no_plaintext_of_its_subject_or_body_and_does_not_decrypt_on_another_row()
    {
        await using var sink = SmtpSink.OnFreePort();
        var clock = NewClock();
        using var portal = Portal(sink.PortalSettings(), clock);
        var marker = NewMarker();

        var queued = await EnqueueAsync(portal, MailWith(marker));
        var other = await EnqueueAsync(portal, MailWith(NewMarker()));
        var pending = await WaitForRowAsync(portal, queued.Id, m => m.Attempts == 1);
        await WaitForRowAsync(portal, other.Id, m => m.Attempts == 1);

        Assert.NotEmpty(pending.EncryptedContent);
        Assert.False(await StoredBytes.ContainAsync(portal, Encoding.UTF8.GetBytes(marker)), "The marker was found in plain UTF-8.");
        Assert.False(await StoredBytes.ContainAsync(portal, Encoding.Unicode.GetBytes(marker)), "The marker was found in plain UTF-16.");

        // The first mail's ciphertext moved onto the second row: it is bound to its own row id and does not open there.
        await portal.WithDbAsync(db => db.OutboxMails.Where(m => m.Id == other.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.EncryptedContent, pending.EncryptedContent)));
        await sink.StartAsync();
        await AdvanceUntilAsync(clock, RetrySchedule.FirstRetryDelay, () => RowAsync(portal, other.Id), m => m.Attempts == 2);

        await sink.WaitForMessageIdAsync(queued.MessageId);
        Assert.DoesNotContain(sink.Messages, m => m.MessageId == other.MessageId);
        Assert.Equal("The stored content cannot be decrypted", (await RowAsync(portal, other.Id)).LastError);
    }

    [Fact]
    public async Task After_24_hours_of_failures_the_mail_is_given_up_its_content_erased_and_the_listener_told()
    {
        await using var sink = SmtpSink.OnFreePort();
        var clock = NewClock();
        var listener = new RecordingListener();
        var logs = new LogCollector();
        using var portal = Portal(sink.PortalSettings(), clock, logs, listener);
        var correlation = Guid.NewGuid();
        var marker = NewMarker();

        var queued = await EnqueueAsync(portal, MailWith(marker) with { Kind = "notification", CorrelationId = correlation });
        var row = await WaitForRowAsync(portal, queued.Id, m => m.Attempts == 1);
        while (row.FailedAt is null)
        {
            Assert.Empty(listener.Failed);
            var attempts = row.Attempts;
            row = await AdvanceUntilAsync(
                clock, row.NextAttemptAt!.Value - clock.GetUtcNow(), () => RowAsync(portal, queued.Id), m => m.Attempts > attempts);
        }

        Assert.True(row.FailedAt - row.CreatedAt >= TimeSpan.FromHours(24));
        Assert.Equal(AttemptsWithin24Hours(), row.Attempts);
        Assert.Null(row.NextAttemptAt);
        Assert.Empty(row.EncryptedContent);
        Assert.Null(row.SentAt);
        var outcome = await listener.WaitForFailureAsync();
        Assert.Equal(new OutboxDeliveryOutcome(queued.Id, "notification", correlation, row.FailedAt!.Value, row.Attempts, "Connection failed (ConnectionRefused)"), outcome);
        Assert.Empty(listener.Sent);
        Assert.Contains(logs.Lines, line => line.Contains("given up", StringComparison.Ordinal) && line.Contains(queued.Id.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(marker, StringComparison.Ordinal) || line.Contains(Recipient, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_listener_writes_in_the_transaction_that_records_the_outcome_and_a_listener_that_throws_loses_only_its_changes()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        var clock = NewClock();
        var logs = new LogCollector();
        using var portal = new PortalFactory(sink.PortalSettings())
        {
            TestServices = services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.AddSingleton<ILoggerProvider>(logs);
                services.AddScoped<IOutboxDeliveryListener, RoleWritingListener>();
            },
        };

        var recorded = await EnqueueAsync(portal, MailWith(NewMarker()));
        var failing = await EnqueueAsync(portal, MailWith(NewMarker()) with { Kind = RoleWritingListener.FailingKind });
        await WaitForRowAsync(portal, recorded.Id, m => m.SentAt is not null);
        var sentDespiteListener = await WaitForRowAsync(portal, failing.Id, m => m.SentAt is not null);

        Assert.True(await RoleExistsAsync(portal, RoleWritingListener.RoleFor(recorded.Id)));
        Assert.False(await RoleExistsAsync(portal, RoleWritingListener.RoleFor(failing.Id)));
        Assert.Empty(sentDespiteListener.EncryptedContent);
        Assert.Contains(logs.Lines, line => line.StartsWith("Error", StringComparison.Ordinal) && line.Contains(nameof(RoleWritingListener), StringComparison.Ordinal));

        clock.Advance(TimeSpan.FromHours(1));
        var later = await EnqueueAsync(portal, MailWith(NewMarker()));
        await sink.WaitForMessageIdAsync(later.MessageId);
        Assert.Single(sink.Messages, m => m.MessageId == failing.MessageId);
    }

    [Fact]
    public async Task A_recipient_the_server_refuses_for_good_is_given_up_at_once_and_the_listener_told()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync(refusesRecipient: address => address.StartsWith("nobody@", StringComparison.Ordinal));
        var listener = new RecordingListener();
        using var portal = Portal(sink.PortalSettings(), NewClock(), listener: listener);

        var refused = await EnqueueAsync(portal, MailWith(NewMarker()) with { To = "nobody@example.org" });
        var accepted = await EnqueueAsync(portal, MailWith(NewMarker()));

        var failed = await WaitForRowAsync(portal, refused.Id, m => m.FailedAt is not null);
        Assert.Equal(1, failed.Attempts);
        Assert.Matches(@"^SMTP 5\d\d \(RecipientNotAccepted\)$", failed.LastError);
        Assert.Equal(refused.Id, (await listener.WaitForFailureAsync()).OutboxMailId);
        await sink.WaitForMessageIdAsync(accepted.MessageId);
        await WaitForRowAsync(portal, accepted.Id, m => m.SentAt is not null);
        Assert.Equal(accepted.Id, Assert.Single(listener.Sent).OutboxMailId);
    }

    [Fact]
    public async Task Without_an_SMTP_host_the_mail_is_written_whole_as_an_eml_file_to_the_mail_outbox_folder()
    {
        using var portal = Portal(new Dictionary<string, string?>(), NewClock());
        var folder = Path.Combine(portal.DataPath, "mail-outbox");
        Directory.CreateDirectory(folder);
        var marker = NewMarker();
        // Large enough that a file written in place would be seen half-written.
        var html = $"<p>{new string('x', 4 * 1024 * 1024)}</p><p>{marker}-end</p>";
        using var watching = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var firstSight = Task.Run(() => FirstFileSeenAsync(folder, watching.Token));

        var queued = await EnqueueAsync(portal, MailWith(marker) with { HtmlBody = html });
        var (path, bytes) = await firstSight;

        Assert.Equal(Path.Combine(folder, $"{queued.Id}.eml"), path);
        using var written = MimeMessage.Load(new MemoryStream(bytes));
        Assert.Equal(queued.MessageId, written.MessageId);
        Assert.EndsWith($"{marker}-end</p>", written.HtmlBody!.TrimEnd(), StringComparison.Ordinal);
        Assert.Contains($"https://portal.example/r/{marker}", written.TextBody, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var sent = await WaitForRowAsync(portal, queued.Id, m => m.SentAt is not null);
        Assert.Empty(sent.EncryptedContent);
        Assert.Empty(Directory.GetFiles(Path.Combine(folder, ".incoming")));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder));
    }

    [Fact]
    public async Task The_portal_removes_abandoned_pickup_writes_when_it_starts_but_not_one_that_may_still_be_written()
    {
        using var portal = Portal(new Dictionary<string, string?>(), NewClock());
        var incoming = Path.Combine(portal.DataPath, "mail-outbox", ".incoming");
        Directory.CreateDirectory(incoming);
        var abandoned = Path.Combine(incoming, $"{Guid.NewGuid()}.{Guid.NewGuid():N}.partial");
        var recent = Path.Combine(incoming, $"{Guid.NewGuid()}.{Guid.NewGuid():N}.partial");
        await File.WriteAllTextAsync(abandoned, "Your code is 12345678");
        await File.WriteAllTextAsync(recent, "Your code is 87654321");
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddHours(-1));

        // A mail that went through shows the dispatcher is past its start-up.
        var queued = await EnqueueAsync(portal, MailWith(NewMarker()));
        await WaitForRowAsync(portal, queued.Id, m => m.SentAt is not null);

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(recent));
    }

    [Fact]
    public async Task Two_portals_on_the_same_database_never_both_send_one_mail()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var data = new TempFolder();
        var settings = SharedDataSettings(data, sink);
        using var first = new PortalFactory(settings);
        using var second = new PortalFactory(settings);
        Start(first);
        Start(second);

        // Both wake at once and compete for all 60 rows, each portal's as well as the other's.
        var queued = await Task.WhenAll(
            EnqueueManyAsync(first, 30),
            EnqueueManyAsync(second, 30));
        var all = queued.SelectMany(q => q).ToList();
        await WaitForAsync(async () => await first.WithDbAsync(db => db.OutboxMails.CountAsync(m => m.SentAt != null)) == all.Count, TimeSpan.FromSeconds(30));

        // A mail queued afterwards by each portal marks a pass of each dispatcher after the first 60 were recorded.
        var barriers = new[] { await EnqueueAsync(first, MailWith(NewMarker())), await EnqueueAsync(second, MailWith(NewMarker())) };
        foreach (var barrier in barriers)
        {
            await sink.WaitForMessageIdAsync(barrier.MessageId);
        }

        var received = sink.Messages.Select(m => m.MessageId).ToList();
        Assert.Equal(received.Count, received.Distinct().Count());
        Assert.Equal(all.Select(m => m.MessageId).Concat(barriers.Select(b => b.MessageId)).Order(), received.Order());
    }

    [Theory]
    [InlineData("not an address", "Hello")]
    [InlineData("a@example.org, b@example.org", "Hello")]
    [InlineData("someone@example.org\r\nBcc: other@example.org", "Hello")]
    [InlineData(Recipient, "Hello\r\nBcc: other@example.org")]
    public async Task A_malformed_recipient_or_a_subject_with_line_breaks_is_refused_when_queued(string to, string subject)
    {
        using var portal = Portal(new Dictionary<string, string?>(), NewClock());
        await using var scope = portal.Services.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IMailOutbox>();

        Assert.Throws<ArgumentException>(() => outbox.Enqueue(MailWith(NewMarker()) with { To = to, Subject = subject }));
        Assert.Empty(scope.ServiceProvider.GetRequiredService<ConnectidDbContext>().ChangeTracker.Entries());
    }

    private static PortalFactory Portal(
        IDictionary<string, string?> settings, TimeProvider clock, LogCollector? logs = null, IOutboxDeliveryListener? listener = null) =>
        new(settings)
        {
            TestServices = services =>
            {
                services.AddSingleton(clock);
                if (logs is not null)
                {
                    services.AddSingleton<ILoggerProvider>(logs);
                }

                if (listener is not null)
                {
                    services.AddScoped<IOutboxDeliveryListener>(_ => listener);
                }
            },
        };

    private static Dictionary<string, string?> SharedDataSettings(TempFolder data, SmtpSink sink)
    {
        var settings = sink.PortalSettings();
        settings["Storage:DataPath"] = data.Combine("data");
        settings["Keys:MasterKeyFile"] = data.Combine("keys", "master.key");
        // In the PostgreSQL lane: one database for all the portals sharing these settings, left to the throwaway server.
        DatabaseLane.AddSettings(settings);
        return settings;
    }

    /// <summary>Building the services starts the host, and with it the dispatcher.</summary>
    private static void Start(PortalFactory portal) => _ = portal.Services;

    /// <summary>A clock that stands still until moved, on a whole second: the database keeps times to 100 microseconds.</summary>
    private static FakeTimeProvider NewClock()
    {
        var now = DateTimeOffset.UtcNow;
        return new FakeTimeProvider(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
    }

    private static string NewMarker() => $"marker{Guid.NewGuid():N}";

    private static OutgoingMail MailWith(string marker) => new(
        Recipient,
        $"Subject {marker}",
        $"Open https://portal.example/r/{marker} to read the message.",
        $"<p><a href=\"https://portal.example/r/{marker}\">Read the message</a></p>",
        "test");

    private static async Task<OutboxMail> EnqueueAsync(PortalFactory portal, OutgoingMail mail)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var queued = scope.ServiceProvider.GetRequiredService<IMailOutbox>().Enqueue(mail);
        await scope.ServiceProvider.GetRequiredService<ConnectidDbContext>().SaveChangesAsync();
        return queued;
    }

    private static async Task<List<OutboxMail>> EnqueueManyAsync(PortalFactory portal, int count)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IMailOutbox>();
        var queued = Enumerable.Range(0, count).Select(_ => outbox.Enqueue(MailWith(NewMarker()))).ToList();
        await scope.ServiceProvider.GetRequiredService<ConnectidDbContext>().SaveChangesAsync();
        return queued;
    }

    private static async Task<OutboxMail> EnqueueInTransactionAsync(PortalFactory portal, OutgoingMail mail, bool commit)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var queued = scope.ServiceProvider.GetRequiredService<IMailOutbox>().Enqueue(mail);
        await db.SaveChangesAsync();
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }

        return queued;
    }

    private static Task<OutboxMail> RowAsync(PortalFactory portal, Guid id) =>
        portal.WithDbAsync(db => db.OutboxMails.AsNoTracking().SingleAsync(m => m.Id == id));

    private static async Task<OutboxMail> WaitForRowAsync(PortalFactory portal, Guid id, Func<OutboxMail, bool> condition)
    {
        OutboxMail? row = null;
        await WaitForAsync(async () => condition(row = await RowAsync(portal, id)), TimeSpan.FromSeconds(10), () => Describe(row));
        return row!;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string>? lastState = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < timeout, $"The outbox did not reach the expected state in time. {lastState?.Invoke()}");
            await Task.Delay(20);
        }
    }

    private static string Describe(OutboxMail? row) => row is null ? "" :
        $"Last seen: attempts {row.Attempts}, last error '{row.LastError}', next attempt {row.NextAttemptAt:O}, sent {row.SentAt:O}, failed {row.FailedAt:O}.";

    /// <summary>
    /// Moves the fake clock by <paramref name="by"/> and waits until the row changes as expected. Should the dispatcher
    /// have read the clock just before the move, it waits a little longer; each further real second moves the clock one
    /// more second.
    /// </summary>
    private static async Task<OutboxMail> AdvanceUntilAsync(FakeTimeProvider clock, TimeSpan by, Func<Task<OutboxMail>> read, Func<OutboxMail, bool> condition)
    {
        clock.Advance(by);
        var deadline = Stopwatch.StartNew();
        var nudged = TimeSpan.Zero;
        while (true)
        {
            var row = await read();
            if (condition(row))
            {
                return row;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"The outbox did not reach the expected state in time. {Describe(row)}");
            if (deadline.Elapsed - nudged > TimeSpan.FromSeconds(1))
            {
                nudged = deadline.Elapsed;
                clock.Advance(TimeSpan.FromSeconds(1));
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Attempts by the retry schedule until the first failure at least 24 hours after queueing.</summary>
    private static int AttemptsWithin24Hours()
    {
        var elapsed = TimeSpan.Zero;
        var attempts = 1;
        while (elapsed < RetrySchedule.GiveUpAfter)
        {
            elapsed += RetrySchedule.DelayAfter(attempts);
            attempts++;
        }

        return attempts;
    }

    /// <summary>Watches the folder (not its subfolders) and reads the first file to appear there, as a pickup tool would.</summary>
    private static async Task<(string Path, byte[] Bytes)> FirstFileSeenAsync(string folder, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Directory.GetFiles(folder).FirstOrDefault() is { } path)
            {
                return (path, await File.ReadAllBytesAsync(path, cancellationToken));
            }

            await Task.Yield();
        }
    }

    private static Task<bool> RoleExistsAsync(PortalFactory portal, string role) =>
        portal.WithDbAsync(db => db.Roles.AnyAsync(r => r.Name == role));

    /// <summary>Writes through the scoped context (a role stands for any feature's row), and fails after writing for one kind of mail.</summary>
    private sealed class RoleWritingListener(ConnectidDbContext db) : IOutboxDeliveryListener
    {
        public const string FailingKind = "listener-bug";

        public static string RoleFor(Guid outboxMailId) => $"sent-{outboxMailId:N}";

        public Task MailSentAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken)
        {
            var role = RoleFor(outcome.OutboxMailId);
            db.Roles.Add(new Microsoft.AspNetCore.Identity.IdentityRole(role) { NormalizedName = role.ToUpperInvariant() });
            return outcome.Kind == FailingKind ? throw new InvalidOperationException("A listener bug.") : Task.CompletedTask;
        }

        public Task MailFailedAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RecordingListener : IOutboxDeliveryListener
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<OutboxDeliveryOutcome> sent = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<OutboxDeliveryOutcome> failed = new();

        public IReadOnlyList<OutboxDeliveryOutcome> Sent => [.. sent];

        public IReadOnlyList<OutboxDeliveryOutcome> Failed => [.. failed];

        public Task MailSentAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken)
        {
            sent.Enqueue(outcome);
            return Task.CompletedTask;
        }

        public Task MailFailedAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken)
        {
            failed.Enqueue(outcome);
            return Task.CompletedTask;
        }

        public async Task<OutboxDeliveryOutcome> WaitForFailureAsync()
        {
            await WaitForAsync(() => Task.FromResult(!failed.IsEmpty), TimeSpan.FromSeconds(10));
            return Assert.Single(failed);
        }
    }
}
