using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ConnectidMail.Audit;
using ConnectidMail.Messaging;
using ConnectidMail.Persistence;
using ConnectidMail.Reports;
using ConnectidMail.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.Benchmarks;

/// <summary>
/// The PDF evidence report over a large trail, as the report endpoint makes it: a real SQLite database filled with
/// N chained events (about ten per message: created, sent, notified, code, verified, consent, opened, downloaded,
/// replied), then the export started (head, full verification, count, its own event), the report built in one pass
/// (JSON evidence, timelines, consents, event table) and the PDF written to a file. Measures wall time and peak resident
/// memory of that phase (the peak is reset after seeding). Goal: under 10 s and 300 MB for 100,000 events.
/// </summary>
internal static class ReportHarness
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan TimeGoal = TimeSpan.FromSeconds(10);
    private const long MemoryGoal = 300 * MiB;

    /// <summary>Seeds the database in a child process (<c>report-seed</c>), so this process measures the report alone.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var events = Option(args, "--events") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 100_000;
        var runs = Option(args, "--runs") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
        if (runs < 1)
        {
            Console.Error.WriteLine("--runs must be at least 1");
            return 2;
        }

        var folder = Path.Combine(Option(args, "--dir") ?? Path.GetTempPath(), $"connectidmail-report-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var seeding = Stopwatch.StartNew();
            using (var seed = Process.Start("dotnet", [typeof(ReportHarness).Assembly.Location, "report-seed", "--dir", folder, "--events", events.ToString(CultureInfo.InvariantCulture)]))
            {
                await seed.WaitForExitAsync();
                if (seed.ExitCode != 0)
                {
                    Console.Error.WriteLine($"seeding failed with exit code {seed.ExitCode}");
                    return 2;
                }
            }

            Console.WriteLine($"seeded {events:N0} events in {seeding.Elapsed.TotalSeconds:N1} s (child process)");
            using var host = Build(folder);
            await WarmUpAsync(host.Services);

            // Signed as the portal signs reports: a self-signed certificate over a P-256 key (EvidenceSigner).
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var certificate = new CertificateRequest("CN=ConnectidMail audit key bench", key, HashAlgorithmName.SHA256)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            var results = new List<(TimeSpan Wall, long Peak, long PrivatePeak)>();
            for (var attempt = 1; attempt <= runs; attempt++)
            {
                results.Add(await MeasureAsync(host.Services, certificate, Path.Combine(folder, $"report-{attempt}.pdf"), attempt, events));
            }

            // Time: the median run. Memory: the first run, made from a fresh process; later runs start with what the
            // first left resident (the collector keeps freed memory for reuse), so their peaks are not the report's.
            var wall = Median(results.Select(r => r.Wall.TotalSeconds));
            var peak = results[0].Peak;
            var met = wall < TimeGoal.TotalSeconds && peak < MemoryGoal;
            Console.WriteLine($"median wall of {runs}: {wall:N2} s; peak resident of run 1: {peak / MiB:N0} MiB (private {results[0].PrivatePeak / MiB:N0} MiB); goal < {TimeGoal.TotalSeconds:N0} s and < {MemoryGoal / MiB:N0} MiB: {(met ? "met" : "NOT met")}");
            return met ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// One report as <c>GET /api/v1/audit/report</c> makes it, from a collected heap: wall and CPU time, and the peak
    /// resident memory of the process while it runs (VmHWM, reset just before).
    /// </summary>
    private static async Task<(TimeSpan Wall, long Peak, long PrivatePeak)> MeasureAsync(IServiceProvider services, X509Certificate2 certificate, string output, int attempt, int events)
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var before = ResidentBytes();
        ResetPeak();
        using var privatePeak = new PrivateMemoryPeak();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var timer = Stopwatch.StartNew();
        TimeSpan started;
        await using (var scope = services.CreateAsyncScope())
        {
            var run = await scope.ServiceProvider.GetRequiredService<AuditExporter>().BeginAsync(new AuditExportScope(), AuditActor.CommandLine, "pdf");
            started = timer.Elapsed;
            await using var file = File.Create(output);
            await EvidenceReportBuilder.WriteAsync(run.Header, run.EventsAsync(), file, certificate);
        }

        timer.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var peak = PeakResidentBytes();
        var (privateBytes, mappedFiles) = privatePeak.Stop();
        Console.WriteLine($"run {attempt}: report over {events:N0} events {timer.Elapsed.TotalSeconds:N2} s wall (export start {started.TotalSeconds:N2} s), "
            + $"{cpu.TotalSeconds:N2} s CPU, peak resident {peak / MiB:N0} MiB (before: {before / MiB:N0} MiB; private peak {privateBytes / MiB:N0} MiB, "
            + $"mapped files then {mappedFiles / MiB:N0} MiB), PDF {new FileInfo(output).Length / MiB:N1} MiB ({Pages(output):N0} pages), "
            + $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        return (timer.Elapsed, peak, privateBytes);
    }

    private static int Pages(string pdf)
    {
        using var document = PdfSharp.Pdf.IO.PdfReader.Open(pdf, PdfSharp.Pdf.IO.PdfDocumentOpenMode.Import);
        return document.PageCount;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>
    /// A running portal has its EF model built and its code compiled before any report: one query and a one-page PDF,
    /// so the measurement is of the report, not of start-up.
    /// </summary>
    private static async Task WarmUpAsync(IServiceProvider services)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ConnectidDbContext>().AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).Take(10).ToListAsync();
        }

        var header = new AuditExportHeader
        {
            Organisation = "warm-up",
            GeneratedAt = DateTimeOffset.UtcNow,
            GeneratedBy = "warm-up",
            Scope = new AuditExportScope(),
            HeadSequence = 0,
            HeadHash = AuditEvent.GenesisHash,
            Verification = new AuditVerification(true, 0, null, null, null),
            EventCount = 0,
        };
        using var pdf = new MemoryStream();
        await EvidenceReportBuilder.WriteAsync(header, AsyncEnumerable.Empty<AuditEvent>(), pdf);
    }

    /// <summary><c>report-seed --dir PATH --events N</c>: creates the database and chains N events into it.</summary>
    public static async Task<int> SeedAsync(string[] args)
    {
        using var host = Build(Option(args, "--dir")!);
        await SeedAsync(host.Services, int.Parse(Option(args, "--events")!, CultureInfo.InvariantCulture));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return 0;
    }

    private static IHost Build(string folder)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataPath"] = folder });
        builder.AddStorage();
        builder.AddDatabase();
        builder.AddAudit();
        builder.Services.AddOptions<PortalOptions>().Configure(o => o.OrganisationName = "Benchmark Care Org");
        return builder.Build();
    }

    /// <summary>Events in saves of about a thousand, through the real chaining (the interceptor hashes and links them).</summary>
    private static async Task SeedAsync(IServiceProvider services, int count)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ConnectidDbContext>().Database.EnsureCreatedAsync();
        }

        var audit = services.GetRequiredService<AuditTrail>();
        const string browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        var written = 0;
        while (written < count)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
            while (db.ChangeTracker.Entries().Count() < 1000 && written < count)
            {
                var message = Guid.NewGuid();
                var recipient = Guid.NewGuid();
                var email = $"person{written}@example.com";
                var sender = AuditActor.Staff("sender-1", "lawyer@benchmark.example", "10.0.0.5", browser);
                var person = AuditActor.Recipient(recipient, email, "203.0.113.7", browser);
                var address = AuditActor.RecipientAddress(email) with { IpAddress = "203.0.113.7", UserAgent = browser };
                var steps = new (AuditActor Actor, string Action, AuditSubjects About, object Detail)[]
                {
                    (sender, AuditActions.MessageCreated, new(message), new { recipients = 1, files = 1, accessCode = false }),
                    (sender, AuditActions.MessageSent, new(message, recipient), new { to = email }),
                    (AuditActor.Portal, AuditActions.NotificationSent, new(message, recipient, SubjectId: Guid.NewGuid().ToString()), new { attempts = 1 }),
                    (address, AuditActions.CodeSent, new(SubjectId: Guid.NewGuid().ToString()), new { resent = false }),
                    (address, AuditActions.RecipientVerified, new(SubjectId: Guid.NewGuid().ToString()), new { method = "code" }),
                    (address, AuditActions.ConsentGiven, new(SubjectId: Guid.NewGuid().ToString()), new { version = "2026-11-27", language = "en", textHash = new string('a', 64) }),
                    (person, AuditActions.MessageOpened, new(message, recipient), new { verifiedBy = "code" }),
                    (person, AuditActions.AttachmentDownloaded, new(message, recipient, Guid.NewGuid()), new { size = 182_044 }),
                    (person, AuditActions.ReplySent, new(message, recipient, SubjectId: Guid.NewGuid().ToString()), new { author = "recipient", files = 0, bytes = 0 }),
                    (sender, AuditActions.MessageRevoked, new(message), new { }),
                };
                foreach (var (actor, action, about, detail) in steps.Take(count - written))
                {
                    audit.Record(db, actor, action, about, detail);
                    written++;
                }
            }

            await db.SaveChangesAsync();
        }
    }

    private static string? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;

    /// <summary>
    /// The process's private memory at its highest (anonymous pages plus the JIT's shared-memory code mapping, sampled
    /// every 10 ms), beside the mapped files at that moment: the resident peak also counts the runtime's and the
    /// framework's libraries and ICU data, file pages every .NET process on the machine shares.
    /// </summary>
    private sealed class PrivateMemoryPeak : IDisposable
    {
        private readonly Thread sampler;
        private volatile bool stopped;
        private long peak;
        private long mappedAtPeak;

        public PrivateMemoryPeak()
        {
            sampler = new Thread(() =>
            {
                while (!stopped)
                {
                    Sample();
                    Thread.Sleep(10);
                }
            })
            { IsBackground = true, Name = "private memory sampler" };
            sampler.Start();
        }

        public (long Private, long MappedFiles) Stop()
        {
            Dispose();
            Sample();
            return (peak, mappedAtPeak);
        }

        public void Dispose()
        {
            stopped = true;
            sampler.Join();
        }

        private void Sample()
        {
            long anonymous = 0, shared = 0, files = 0;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    anonymous = Kilobytes(line);
                }
                else if (line.StartsWith("RssShmem:", StringComparison.Ordinal))
                {
                    shared = Kilobytes(line);
                }
                else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
                {
                    files = Kilobytes(line);
                }
            }

            if ((anonymous + shared) * 1024 > peak)
            {
                peak = (anonymous + shared) * 1024;
                mappedAtPeak = files * 1024;
            }
        }
    }

    /// <summary>Writing 5 to clear_refs resets the peak resident set (VmHWM) to the current one (Linux).</summary>
    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long PeakResidentBytes() => StatusKilobytes("VmHWM:") * 1024;

    private static long ResidentBytes() => StatusKilobytes("VmRSS:") * 1024;

    private static long StatusKilobytes(string field) =>
        Kilobytes(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal)));

    /// <summary>The number of a <c>/proc/self/status</c> line such as "VmRSS:  123456 kB".</summary>
    private static long Kilobytes(string line) =>
        long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}
