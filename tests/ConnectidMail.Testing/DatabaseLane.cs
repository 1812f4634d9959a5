using ConnectidMail.Persistence;

namespace ConnectidMail.Testing;

/// <summary>
/// Which database the test run uses: <c>CONNECTIDMAIL_TEST_DATABASE=Postgres</c> runs every portal of the run on a
/// throwaway PostgreSQL server (a database of its own per portal); unset or <c>Sqlite</c>, on SQLite files.
/// </summary>
public static class DatabaseLane
{
    public const string EnvironmentVariable = "CONNECTIDMAIL_TEST_DATABASE";

    public static DatabaseProvider Current { get; } = FromEnvironment();

    /// <summary>
    /// Adds the lane's database settings unless the test chose a provider or connection itself. In the PostgreSQL
    /// lane the portal migrates at start-up, as the SQLite default does, so every test starts on a migrated database.
    /// Returns the connection string of a PostgreSQL database it created, for the caller to drop.
    /// </summary>
    public static string? AddSettings(IDictionary<string, string?> settings)
    {
        if (Current != DatabaseProvider.Postgres || settings.ContainsKey("Database:Provider") || settings.ContainsKey("ConnectionStrings:Default"))
        {
            return null;
        }

        var connectionString = PostgresTestServer.Shared.CreateDatabase();
        settings["Database:Provider"] = nameof(DatabaseProvider.Postgres);
        settings["ConnectionStrings:Default"] = connectionString;
        settings.TryAdd("Database:AutoMigrate", "true");
        return connectionString;
    }

    private static DatabaseProvider FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return DatabaseProvider.Sqlite;
        }

        return Enum.TryParse<DatabaseProvider>(value, ignoreCase: true, out var provider) && !int.TryParse(value, out _)
            ? provider
            : throw new InvalidOperationException(
                $"{EnvironmentVariable}='{value}' is unknown; use one of {string.Join(", ", Enum.GetNames<DatabaseProvider>())}.");
    }
}
