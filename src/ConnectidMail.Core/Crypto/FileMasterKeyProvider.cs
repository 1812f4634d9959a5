using System.Security.Cryptography;

namespace ConnectidMail.Crypto;

/// <summary>
/// The master key in a file of 32 raw bytes, created on first run. On Unix the file must be private to its owner
/// (no permission bits for group or others), otherwise loading is refused: a key anyone on the host can read
/// protects nothing.
/// </summary>
public sealed class FileMasterKeyProvider : LocalMasterKeyProvider
{
    /// <summary>Permission bits that must all be clear on the key file.</summary>
    internal const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public FileMasterKeyProvider(string masterKeyFile, string contentRootPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(masterKeyFile);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentRootPath);
        FilePath = Path.GetFullPath(masterKeyFile, contentRootPath);
    }

    /// <summary>The absolute path of the key file.</summary>
    public string FilePath { get; }

    protected override void LoadMasterKey(Span<byte> destination)
    {
        if (!File.Exists(FilePath))
        {
            CreateKeyFile();
        }

        RefuseUnsafeMode();

        try
        {
            using var file = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            if (file.Length != PurposeKeys.KeySize)
            {
                throw new MasterKeyException(
                    $"The master key file '{FilePath}' holds {file.Length} bytes; a master key file holds exactly 32 random bytes.");
            }

            file.ReadExactly(destination);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MasterKeyException($"The master key file '{FilePath}' cannot be read ({e.GetType().Name}).", e);
        }
    }

    private void RefuseUnsafeMode()
    {
        if (UnsafeModeProblem(FilePath) is { } problem)
        {
            throw new MasterKeyException(problem);
        }
    }

    /// <summary>A message for the operator when an existing key file may be accessed by group or others; null otherwise.</summary>
    internal static string? UnsafeModeProblem(string filePath)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(filePath))
        {
            // Windows protects the file with ACLs; the operator guide covers them.
            return null;
        }

        var mode = File.GetUnixFileMode(filePath);
        return (mode & GroupOrOthers) == 0
            ? null
            : $"The master key file '{filePath}' has mode {FormatMode(mode)}: group or others may access it. "
                + $"It must be private to its owner (mode 0600): run `chmod 600 '{filePath}'` and start again.";
    }

    /// <summary>
    /// Writes a fresh key to a temporary file created with mode 0600 from the start (never briefly readable by others),
    /// then links it into place without overwriting, so a second process starting at the same moment either sees no
    /// file or a complete one, and both end up with the same key.
    /// </summary>
    private void CreateKeyFile()
    {
        var folder = Path.GetDirectoryName(FilePath)!;
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, OwnerReadWrite | UnixFileMode.UserExecute);
            }

            var temporary = Path.Combine(folder, $".{Path.GetFileName(FilePath)}.{Guid.NewGuid():N}.tmp");
            var key = GC.AllocateArray<byte>(PurposeKeys.KeySize, pinned: true);
            try
            {
                RandomNumberGenerator.Fill(key);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = OwnerReadWrite;
                }

                using (var file = new FileStream(temporary, options))
                {
                    file.Write(key);
                    file.Flush(flushToDisk: true);
                }

                File.Move(temporary, FilePath, overwrite: false);
            }
            catch (IOException) when (File.Exists(FilePath))
            {
                // Another process created the key first: use its key.
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
                File.Delete(temporary);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MasterKeyException($"The master key file '{FilePath}' does not exist and cannot be created ({e.GetType().Name}).", e);
        }
    }

    private static string FormatMode(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
}
