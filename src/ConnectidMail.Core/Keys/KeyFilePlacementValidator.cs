using ConnectidMail.Crypto;
using ConnectidMail.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Keys;

/// <summary>A copy or backup of the data folder must not carry the key that decrypts it.</summary>
internal sealed class KeyFilePlacementValidator(IHostEnvironment environment, IOptions<StorageOptions> storage) : IValidateOptions<KeysOptions>
{
    public ValidateOptionsResult Validate(string? name, KeysOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.MasterKey) || string.IsNullOrWhiteSpace(options.MasterKeyFile))
        {
            return ValidateOptionsResult.Success;
        }

        var keyFile = Path.GetFullPath(options.MasterKeyFile, environment.ContentRootPath);
        var dataFolder = Path.TrimEndingDirectorySeparator(storage.Value.FullDataPath) + Path.DirectorySeparatorChar;
        return keyFile.StartsWith(dataFolder, StringComparison.Ordinal)
            ? ValidateOptionsResult.Fail($"Keys:MasterKeyFile '{keyFile}' lies inside Storage:DataPath; keep the master key outside the data folder.")
            : ValidateOptionsResult.Success;
    }
}
