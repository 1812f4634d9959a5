namespace ConnectidMail.Crypto;

/// <summary>Where the master key comes from: the configuration value wins when it is set, otherwise the key file.</summary>
public sealed class KeysOptions
{
    public const string Section = "Keys";

    public const string DefaultMasterKeyFile = "./keys/master.key";

    /// <summary>The 256-bit master key in base64, e.g. from a secret store or an environment variable.</summary>
    public string? MasterKey { get; set; }

    /// <summary>
    /// The master key file, created on first run with mode 0600. Relative paths are resolved against the content root;
    /// keep it beside, not inside, the data folder so a copy of the data folder holds no key.
    /// </summary>
    public string MasterKeyFile { get; set; } = DefaultMasterKeyFile;
}
