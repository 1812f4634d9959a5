namespace ConnectidMail.Crypto;

public static class MasterKeyProviderFactory
{
    /// <summary>The configured key when <see cref="KeysOptions.MasterKey"/> is set, otherwise the key file (created on first run).</summary>
    public static LocalMasterKeyProvider Create(KeysOptions options, string contentRootPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.MasterKey)
            ? new FileMasterKeyProvider(options.MasterKeyFile, contentRootPath)
            : new ConfigurationMasterKeyProvider(options.MasterKey);
    }
}
