using System.Diagnostics;
using System.Globalization;
using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using ConnectidMail.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.Benchmarks;

/// <summary>
/// Audit appends per second through the portal's own path: each append is one unit of work (a scope, a recorded event,
/// SaveChanges, so one transaction taking the append lock), first by one writer, then by several in parallel. The chain
/// is verified afterwards, so a fast but broken chain cannot pass. SQLite in a temp folder; PostgreSQL when
/// <c>--postgres CONNECTION_STRING</c> names an empty database.
/// </summary>
internal static class AuditAppendHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = ParseOptions(args);
        var folder = Directory.CreateTempSubdirectory("audit-bench-").FullName;
        try
        {
            Console.WriteLine($"{"database",-10} {"writers",7} {"events",7} {"seconds",8} {"events/s",9}  chain");
            await RunLaneAsync("SQLite", new() { ["Database:Provider"] = "Sqlite", ["Storage:DataPath"] = folder }, options);
            if (options.Postgres is { } connectionString)
            {
                await RunLaneAsync("PostgreSQL", new() { ["Database:Provider"] = "Postgres", ["ConnectionStrings:Default"] = connectionString, ["Storage:DataPath"] = folder }, options);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task RunLaneAsync(string name, Dictionary<string, string?> settings, (int Writers, int EventsEach, string? Postgres) options)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.AddStorage();
        builder.AddDatabase();
        builder.AddAudit();
        // Built, not started: no background work competes with the writers.
        using var host = builder.Build();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ConnectidDbContext>().Database.EnsureCreatedAsync();
        }

        await AppendAsync(host.Services, 50); // warm-up: JIT, connection pool
        await MeasureAsync(name, host.Services, writers: 1, options.Writers * options.EventsEach / 4);
        await MeasureAsync(name, host.Services, options.Writers, options.EventsEach);
    }

    private static async Task MeasureAsync(string name, IServiceProvider services, int writers, int eventsEach)
    {
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(() => AppendAsync(services, eventsEach))));
        watch.Stop();
        await using var scope = services.CreateAsyncScope();
        var check = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync([]);
        var total = writers * eventsEach;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-10} {writers,7} {total,7} {watch.Elapsed.TotalSeconds,8:F2} {total / watch.Elapsed.TotalSeconds,9:F0}  {(check.Valid ? "valid" : "INVALID")}, {check.EventCount} events"));
    }

    private static async Task AppendAsync(IServiceProvider services, int count)
    {
        var audit = services.GetRequiredService<AuditTrail>();
        for (var i = 0; i < count; i++)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
            audit.Record(db, AuditActor.Portal, AuditActions.UploadRejected, new AuditSubjects(MessageId: Guid.NewGuid()), new { reason = "benchmark", number = i });
            await db.SaveChangesAsync();
        }
    }

    private static (int Writers, int EventsEach, string? Postgres) ParseOptions(string[] args)
    {
        var writers = 8;
        var eventsEach = 500;
        string? postgres = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--writers":
                    writers = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--events-each":
                    eventsEach = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--postgres":
                    postgres = args[i + 1];
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}; use --writers N, --events-each N, --postgres CONNECTION_STRING.");
            }
        }

        return (writers, eventsEach, postgres);
    }
}
