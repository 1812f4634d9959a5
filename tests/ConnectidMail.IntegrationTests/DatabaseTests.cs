using ConnectidMail.Persistence;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.IntegrationTests;

public sealed class DatabaseTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    /// <summary>Both providers in every lane: building a model needs no server.</summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_model_has_no_changes_that_lack_a_migration(DatabaseProvider provider)
    {
        // The portal's own services shape the model (the Identity schema version), as they do at run time.
        var options = new DbContextOptionsBuilder<ConnectidDbContext>().UseApplicationServiceProvider(fixture.Portal.Services);
        _ = provider == DatabaseProvider.Sqlite
            ? DatabaseExtensions.UseSqlite(options, "Data Source=:memory:")
            : DatabaseExtensions.UsePostgres(options, "Host=localhost;Database=model_only");
        await using var db = new ConnectidDbContext(options.Options);

        Assert.False(
            db.Database.HasPendingModelChanges(),
            $"The EF model changed without a migration: run dotnet ef migrations add <Name> --project migrations/ConnectidMail.Migrations.{provider}");
    }

    [Fact]
    public async Task The_portal_runs_on_the_lanes_database_with_every_migration_applied()
    {
        var (providerName, migrations, applied) = await fixture.Portal.WithDbAsync(async db =>
            (db.Database.ProviderName, db.Database.GetMigrations().ToList(), (await db.Database.GetAppliedMigrationsAsync()).ToList()));

        var expectedProvider = DatabaseLane.Current == DatabaseProvider.Sqlite ? "Microsoft.EntityFrameworkCore.Sqlite" : "Npgsql.EntityFrameworkCore.PostgreSQL";
        Assert.Equal(expectedProvider, providerName);
        Assert.NotEmpty(migrations);
        Assert.Equal(migrations, applied);
    }

    [Fact]
    public async Task The_three_staff_roles_exist_from_the_migrations()
    {
        var roles = await fixture.Portal.WithDbAsync(db => db.Roles.Select(r => r.Name).OrderBy(n => n).ToListAsync());
        Assert.Equal(["Admin", "Auditor", "Sender"], roles);
    }
}

/// <summary>
/// The embedded database's own settings, checked in every lane on a portal that runs on SQLite whatever the lane,
/// so no lane skips them.
/// </summary>
public sealed class SqliteDatabaseTests(SqlitePortalFixture sqlite) : IClassFixture<SqlitePortalFixture>
{
    [Fact]
    public void The_embedded_database_is_a_file_in_the_data_folder() =>
        Assert.True(File.Exists(Path.Combine(sqlite.Portal.DataPath, DatabaseExtensions.SqliteFileName)));

    [Theory]
    [InlineData("journal_mode", "wal")]
    [InlineData("secure_delete", "1")]
    [InlineData("foreign_keys", "1")]
    public async Task Sqlite_connections_run_with_the_required_settings(string pragma, string expected)
    {
        var actual = await sqlite.Portal.WithDbAsync(async db =>
        {
            await db.Database.OpenConnectionAsync();
            try
            {
                await using var command = db.Database.GetDbConnection().CreateCommand();
                command.CommandText = $"PRAGMA {pragma};";
                return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        });
        Assert.Equal(expected, actual);
    }
}

public sealed class SqlitePortalFixture : IDisposable
{
    public PortalFactory Portal { get; } = new(new Dictionary<string, string?> { ["Database:Provider"] = nameof(DatabaseProvider.Sqlite) });

    public void Dispose() => Portal.Dispose();
}
