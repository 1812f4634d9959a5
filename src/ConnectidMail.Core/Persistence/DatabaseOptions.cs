namespace ConnectidMail.Persistence;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Kept as text so that a typo gets a clear message instead of a binder exception.</summary>
    public string Provider { get; set; } = nameof(DatabaseProvider.Sqlite);

    /// <summary>
    /// Null means the provider's default: on for the embedded SQLite file; off for PostgreSQL, where an operator
    /// applies migrations with the <c>migrate</c> command so that several portal instances never race to migrate.
    /// </summary>
    public bool? AutoMigrate { get; set; }

    public DatabaseProvider ParsedProvider => Enum.Parse<DatabaseProvider>(Provider, ignoreCase: true);

    public bool ShouldAutoMigrate => AutoMigrate ?? ParsedProvider == DatabaseProvider.Sqlite;
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
