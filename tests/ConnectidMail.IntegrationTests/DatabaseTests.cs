using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.IntegrationTests;

public sealed class DatabaseTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task The_model_has_no_changes_that_lack_a_migration()
    {
        var pending = await fixture.Portal.WithDbAsync(db => Task.FromResult(db.Database.HasPendingModelChanges()));
        Assert.False(pending, "The EF model changed without a migration: run dotnet ef migrations add <Name> --project migrations/ConnectidMail.Migrations.Sqlite");
    }

    [Fact]
    public async Task The_embedded_database_is_a_file_in_the_data_folder_with_every_migration_applied()
    {
        Assert.True(File.Exists(Path.Combine(fixture.Portal.DataPath, DatabaseExtensions.SqliteFileName)));
        var pending = await fixture.Portal.WithDbAsync(async db => (await db.Database.GetPendingMigrationsAsync()).ToList());
        Assert.Empty(pending);
    }

    [Theory]
    [InlineData("journal_mode", "wal")]
    [InlineData("secure_delete", "1")]
    [InlineData("foreign_keys", "1")]
    public async Task Sqlite_connections_run_with_the_required_settings(string pragma, string expected)
    {
        var actual = await fixture.Portal.WithDbAsync(async db =>
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

    [Fact]
    public async Task The_three_staff_roles_exist_from_the_migrations()
    {
        var roles = await fixture.Portal.WithDbAsync(db => db.Roles.Select(r => r.Name).OrderBy(n => n).ToListAsync());
        Assert.Equal(["Admin", "Auditor", "Sender"], roles);
    }
}
