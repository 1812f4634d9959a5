using ConnectidMail.Keys;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Admin;

/// <summary>
/// <c>ConnectidMail.Web migrate</c>: applies the pending migrations of the configured database and exits.
/// PostgreSQL is not migrated at start-up by default, so an operator decides when its schema changes; this is how.
/// What it applied goes to standard output; a failure exits non-zero with one line on standard error.
/// </summary>
internal static class MigrateCommand
{
    private const int Ok = 0;
    private const int Failed = 1;
    private const int Usage = 2;

    private const string Help = """
        Usage: ConnectidMail.Web migrate [--Database:Provider=Sqlite|Postgres] [--ConnectionStrings:Default=...]

          Applies the pending database migrations of the configured provider, then exits.
          Settings come from appsettings, environment variables and the command line, as for the portal.
        """;

    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] == "migrate";

    public static async Task<int> RunAsync(WebApplicationBuilder builder, string[] args, ConsoleStreams console)
    {
        if (args.Skip(1).Any(arg => arg is "help" or "--help" or "-h"))
        {
            console.Out.WriteLine(Help);
            return Ok;
        }

        // Only settings (--Section:Key=value) may follow; anything else is a typo worth stopping for.
        if (!CliOptions.TryParse(args[1..], [], out _, out var parseError))
        {
            console.Error.WriteLine($"error: {parseError}");
            return Usage;
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // EF Core and Npgsql log a failed connection with its stack trace; the one error line below says it instead.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None);
        builder.Logging.AddFilter("Npgsql", LogLevel.None);

        await using var app = builder.Build();
        if (!app.Services.ValidateSettings(console.Error))
        {
            return Failed;
        }

        var provider = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ParsedProvider;
        var database = await DescribeDatabaseAsync(app.Services, provider);
        IReadOnlyList<string> applied;
        try
        {
            applied = await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
            // A portal started before the migration skipped this; the first KEK must exist before any data key.
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<KeyStore>().EnsureKeyEncryptionKeyAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            console.Error.WriteLine($"error: migrating {database} failed: {OneLine(e)}");
            return Failed;
        }

        foreach (var migration in applied)
        {
            console.Out.WriteLine($"Applied migration {migration}.");
        }

        var upToDate = $"{char.ToUpperInvariant(database[0])}{database[1..]} is up to date";
        console.Out.WriteLine(applied.Count == 0 ? $"{upToDate}; no migration was pending." : $"{upToDate}; {applied.Count} migration(s) applied.");
        return Ok;
    }

    /// <summary>Names the database without its connection string, which may hold a password.</summary>
    private static async Task<string> DescribeDatabaseAsync(IServiceProvider services, DatabaseProvider provider)
    {
        await using var scope = services.CreateAsyncScope();
        var connection = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>().Database.GetDbConnection();
        return provider == DatabaseProvider.Sqlite
            ? $"the SQLite database {connection.DataSource}"
            : $"the PostgreSQL database '{connection.Database}' on {connection.DataSource}";
    }

    /// <summary>The reason with its cause ("Failed to connect to 127.0.0.1:5432: Connection refused"), on one line.</summary>
    internal static string OneLine(Exception e)
    {
        var cause = e.GetBaseException();
        var reason = cause == e || e.Message.Contains(cause.Message, StringComparison.Ordinal) ? e.Message : $"{e.Message.TrimEnd('.')}: {cause.Message}";
        return string.Join(' ', reason.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
