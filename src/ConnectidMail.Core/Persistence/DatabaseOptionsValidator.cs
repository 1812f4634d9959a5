using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ConnectidMail.Persistence;

internal sealed class DatabaseOptionsValidator(IConfiguration configuration) : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (!Enum.TryParse<DatabaseProvider>(options.Provider, ignoreCase: true, out var provider) || int.TryParse(options.Provider, out _))
        {
            return ValidateOptionsResult.Fail(
                $"Database:Provider '{options.Provider}' is unknown; use one of {string.Join(", ", Enum.GetNames<DatabaseProvider>())}.");
        }

        return provider == DatabaseProvider.Postgres ? ValidatePostgresConnection(configuration.GetConnectionString("Default")) : ValidateOptionsResult.Success;
    }

    /// <summary>PostgreSQL has no embedded default to fall back on; the message never repeats the string, which may hold a password.</summary>
    private static ValidateOptionsResult ValidatePostgresConnection(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return ValidateOptionsResult.Fail(
                "ConnectionStrings:Default is not set; Database:Provider Postgres needs it (e.g. 'Host=db;Database=connectidmail;Username=connectidmail;Password=...').");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return ValidateOptionsResult.Fail($"ConnectionStrings:Default is not a valid PostgreSQL connection string ({e.Message.Split('\n')[0].Trim()}).");
        }
    }
}
