using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Storage;

/// <summary>Resolves the data folder against the content root and proves it can be written to.</summary>
internal sealed class StorageOptionsSetup(IHostEnvironment environment)
    : IPostConfigureOptions<StorageOptions>, IValidateOptions<StorageOptions>
{
    public void PostConfigure(string? name, StorageOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.DataPath))
        {
            options.FullDataPath = Path.GetFullPath(options.DataPath, environment.ContentRootPath);
        }
    }

    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.DataPath))
        {
            return ValidateOptionsResult.Fail("Storage:DataPath is empty; give a folder the portal may write to.");
        }

        var probe = Path.Combine(options.FullDataPath, $".write-probe-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(options.FullDataPath);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return ValidateOptionsResult.Fail(
                $"Storage:DataPath '{options.FullDataPath}' is not a folder the portal can write to ({e.GetType().Name}).");
        }
    }
}
