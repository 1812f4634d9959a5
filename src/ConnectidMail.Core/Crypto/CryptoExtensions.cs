using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Crypto;

public static class CryptoExtensions
{
    /// <summary>
    /// Binds <c>Keys</c> and registers the master key provider. A malformed <c>Keys:MasterKey</c>, or an existing key
    /// file that group or others may access, stops the start.
    /// </summary>
    public static IHostApplicationBuilder AddCrypto(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<KeysOptions>()
            .Bind(builder.Configuration.GetSection(KeysOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<KeysOptions>, KeysOptionsValidator>();

        // Resolving the provider does not load the key; call LocalMasterKeyProvider.EnsureLoaded at start-up to fail early.
        builder.Services.AddSingleton<IMasterKeyProvider>(services => MasterKeyProviderFactory.Create(
            services.GetRequiredService<IOptions<KeysOptions>>().Value,
            services.GetRequiredService<IHostEnvironment>().ContentRootPath));
        return builder;
    }
}

internal sealed class KeysOptionsValidator(IHostEnvironment environment) : IValidateOptions<KeysOptions>
{
    public ValidateOptionsResult Validate(string? name, KeysOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.MasterKey))
        {
            return ConfigurationMasterKeyProvider.Validate(options.MasterKey) is { } problem
                ? ValidateOptionsResult.Fail(problem)
                : ValidateOptionsResult.Success;
        }

        if (string.IsNullOrWhiteSpace(options.MasterKeyFile))
        {
            return ValidateOptionsResult.Fail("Keys:MasterKeyFile is empty; give a path for the master key file, or set Keys:MasterKey.");
        }

        var filePath = Path.GetFullPath(options.MasterKeyFile, environment.ContentRootPath);
        return FileMasterKeyProvider.UnsafeModeProblem(filePath) is { } unsafeMode
            ? ValidateOptionsResult.Fail(unsafeMode)
            : ValidateOptionsResult.Success;
    }
}
