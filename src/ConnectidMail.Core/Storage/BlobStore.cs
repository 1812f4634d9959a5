using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Storage;

/// <summary>
/// Files (always ciphertext) under <c>&lt;DataPath&gt;/blobs</c>. A write goes to a private temporary file that is
/// flushed to disk and then renamed into place, so no partial file is ever visible under a blob name; leftovers of an
/// interrupted write are removed at start-up.
/// </summary>
public sealed class BlobStore(IOptions<StorageOptions> options, ILogger<BlobStore> logger)
{
    private const string PartialSuffix = ".partial";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Root => Path.Combine(options.Value.FullDataPath, "blobs");

    private string Incoming => Path.Combine(Root, ".incoming");

    /// <summary>Writes a new blob through <paramref name="write"/>; the blob exists only if the whole write succeeded.</summary>
    public async Task<BlobName> WriteAsync(Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        var name = BlobName.New();
        Directory.CreateDirectory(Incoming);
        var temporary = Path.Combine(Incoming, name.Value + PartialSuffix);
        try
        {
            var fileOptions = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = OwnerOnly;
            }

            await using (var file = new FileStream(temporary, fileOptions))
            {
                await write(file, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            var final = PathOf(name);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(temporary, final, overwrite: false);
            return name;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public bool Exists(BlobName name) => File.Exists(PathOf(name));

    public long Length(BlobName name) => new FileInfo(PathOf(name)).Length;

    /// <summary>A seekable read stream, so byte ranges can be served without reading the whole blob.</summary>
    public Stream OpenRead(BlobName name) =>
        new FileStream(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024, FileOptions.Asynchronous);

    /// <summary>Deletes a blob; false when it was not there.</summary>
    public bool Delete(BlobName name)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>Removes temporary files left by writes that a crash or a stop interrupted.</summary>
    public int RemoveLeftovers()
    {
        if (!Directory.Exists(Incoming))
        {
            return 0;
        }

        var leftovers = Directory.GetFiles(Incoming, "*" + PartialSuffix);
        foreach (var leftover in leftovers)
        {
            File.Delete(leftover);
        }

        if (leftovers.Length > 0)
        {
            logger.LogWarning("Removed {Count} incomplete blob write(s) left by an interrupted run", leftovers.Length);
        }

        return leftovers.Length;
    }

    private string PathOf(BlobName name) => Path.Combine(Root, name.Value[..2], name.Value);
}
