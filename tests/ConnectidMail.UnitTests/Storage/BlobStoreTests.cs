using System.Runtime.Versioning;
using ConnectidMail.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ConnectidMail.UnitTests.Storage;

[SupportedOSPlatform("linux")]
public sealed class BlobStoreTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("connectidmail-blobs-");
    private readonly BlobStore store;

    public BlobStoreTests()
    {
        store = new BlobStore(Options.Create(new StorageOptions { FullDataPath = folder.FullName }), NullLogger<BlobStore>.Instance);
    }

    [Fact]
    public async Task A_written_blob_reads_back_under_an_app_generated_name_readable_by_the_owner_only()
    {
        byte[] content = [1, 2, 3, 4, 5];

        var name = await store.WriteAsync((stream, ct) => stream.WriteAsync(content, ct).AsTask());

        Assert.Matches("^[0-9a-f]{32}$", name.Value);
        await using var read = store.OpenRead(name);
        Assert.True(read.CanSeek);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
        var path = Path.Combine(store.Root, name.Value[..2], name.Value);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task A_blob_is_not_visible_under_its_name_until_the_write_completed()
    {
        var visibleWhileWriting = true;
        var name = await store.WriteAsync(async (stream, ct) =>
        {
            await stream.WriteAsync(new byte[100_000], ct);
            visibleWhileWriting = Directory.EnumerateFiles(store.Root, "*", SearchOption.AllDirectories).Any(f => !f.Contains(".incoming", StringComparison.Ordinal));
        });

        Assert.False(visibleWhileWriting);
        Assert.True(store.Exists(name));
        Assert.Equal(100_000, store.Length(name));
    }

    [Fact]
    public async Task A_failed_write_leaves_no_file_at_all()
    {
        await Assert.ThrowsAsync<IOException>(() => store.WriteAsync(async (stream, ct) =>
        {
            await stream.WriteAsync(new byte[10_000], ct);
            throw new IOException("the upload broke off");
        }));

        Assert.Empty(Directory.EnumerateFiles(folder.FullName, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Leftovers_of_an_interrupted_write_are_removed_and_finished_blobs_stay()
    {
        var kept = await store.WriteAsync((stream, ct) => stream.WriteAsync(new byte[] { 42 }, ct).AsTask());
        var incoming = Path.Combine(store.Root, ".incoming");
        await File.WriteAllBytesAsync(Path.Combine(incoming, "0123456789abcdef0123456789abcdef.partial"), new byte[64]);

        Assert.Equal(1, store.RemoveLeftovers());

        Assert.Empty(Directory.EnumerateFiles(incoming));
        Assert.True(store.Exists(kept));
    }

    [Fact]
    public async Task Delete_removes_a_blob_once()
    {
        var name = await store.WriteAsync((stream, ct) => stream.WriteAsync(new byte[] { 7 }, ct).AsTask());

        Assert.True(store.Delete(name));
        Assert.False(store.Exists(name));
        Assert.False(store.Delete(name));
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef/")]
    [InlineData("")]
    [InlineData(null)]
    public void Only_app_generated_names_parse(string? text)
    {
        Assert.False(BlobName.TryParse(text, out _));
        Assert.Throws<FormatException>(() => BlobName.Parse(text ?? ""));
    }

    public void Dispose() => folder.Delete(recursive: true);
}
