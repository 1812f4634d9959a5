using System.ComponentModel.DataAnnotations;

namespace ConnectidMail.Storage;

/// <summary>Where the portal keeps its database file, blobs and mail pickup folder.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Relative paths are resolved against the content root, the same for the portal and the CLI.</summary>
    [Required]
    public string DataPath { get; set; } = "./data";

    /// <summary>The absolute data folder, set once the options are bound.</summary>
    public string FullDataPath { get; internal set; } = "";

    public string MailOutboxPath => Path.Combine(FullDataPath, "mail-outbox");
}
