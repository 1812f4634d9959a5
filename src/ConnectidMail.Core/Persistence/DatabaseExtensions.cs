using ConnectidMail.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Persistence;

public static class DatabaseExtensions
{
    public const string SqliteMigrationsAssembly = "ConnectidMail.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "ConnectidMail.Migrations.Postgres";
    public const string SqliteFileName = "connectidmail.db";

    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>()
            .Bind(builder.Configuration.GetSection(DatabaseOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();

        builder.Services.AddDbContext<ConnectidDbContext>((services, options) =>
        {
            var database = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var configuredConnectionString = services.GetRequiredService<IConfiguration>().GetConnectionString("Default");
            switch (database.ParsedProvider)
            {
                case DatabaseProvider.Sqlite:
                    var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
                    UseSqlite(options, configuredConnectionString ?? SqliteConnectionString(storage.FullDataPath));
                    break;
                case DatabaseProvider.Postgres:
                    // The options validator has already stopped the start when the connection string is missing.
                    UsePostgres(options, configuredConnectionString!);
                    break;
                default:
                    throw new InvalidOperationException($"Database provider {database.ParsedProvider} has no configuration.");
            }
        });

        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddHostedService<StartupMigration>();
        return builder;
    }

    public static string SqliteConnectionString(string dataFolder) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataFolder, SqliteFileName),
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>The one place that configures SQLite, shared with the design-time factory.</summary>
    public static DbContextOptionsBuilder UseSqlite(DbContextOptionsBuilder options, string connectionString) =>
        options
            .UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(SqliteMigrationsAssembly))
            .AddInterceptors(new SqlitePragmas());

    /// <summary>
    /// The one place that configures PostgreSQL, shared with the design-time factory. No retrying execution
    /// strategy: it would refuse the explicit transactions that keep a user and their roles together.
    /// </summary>
    public static DbContextOptionsBuilder UsePostgres(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(PostgresMigrationsAssembly));
}
