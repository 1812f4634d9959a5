using ConnectidMail.Storage;
using ConnectidMail.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests;

public sealed class BlobStoreStartupTests
{
    [Fact]
    public async Task The_portal_removes_leftovers_of_interrupted_blob_writes_when_it_starts()
    {
        using var portal = new PortalFactory();
        var leftover = Path.Combine(portal.DataPath, "blobs", ".incoming", "0123456789abcdef0123456789abcdef.partial");
        Directory.CreateDirectory(Path.GetDirectoryName(leftover)!);
        await File.WriteAllBytesAsync(leftover, new byte[128]);

        using var client = portal.CreateClient();
        (await client.GetAsync("/health/live")).EnsureSuccessStatusCode();

        Assert.False(File.Exists(leftover));
        Assert.Equal(Path.Combine(portal.DataPath, "blobs"), portal.Services.GetRequiredService<BlobStore>().Root);
    }
}
