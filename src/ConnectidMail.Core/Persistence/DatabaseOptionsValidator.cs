using Microsoft.Extensions.Options;

namespace ConnectidMail.Persistence;

internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options) =>
        Enum.TryParse<DatabaseProvider>(options.Provider, ignoreCase: true, out _) && !int.TryParse(options.Provider, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Database:Provider '{options.Provider}' is unknown; use one of {string.Join(", ", Enum.GetNames<DatabaseProvider>())}.");
}
