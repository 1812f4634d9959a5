namespace ConnectidMail.Storage;

/// <summary>Temporary files only this process's user can open (mode 0600 where there are modes), deleted when closed.</summary>
public static class TemporaryFile
{
    /// <summary>Creates <c>connectidmail-{purpose}-{random}{extension}</c> in the system's temporary folder, open for reading and writing.</summary>
    public static FileStream Create(string purpose, string extension = "", int bufferSize = 4096)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose,
            BufferSize = bufferSize,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(Path.Combine(Path.GetTempPath(), $"connectidmail-{purpose}-{Guid.NewGuid():N}{extension}"), options);
    }
}
