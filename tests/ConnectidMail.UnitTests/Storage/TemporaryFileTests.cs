using ConnectidMail.Storage;

namespace ConnectidMail.UnitTests.Storage;

public sealed class TemporaryFileTests
{
    [Fact]
    public void Only_the_owner_can_open_it_and_it_is_gone_once_closed()
    {
        string path;
        using (var file = TemporaryFile.Create("test", ".tmp"))
        {
            path = file.Name;
            file.Write("audit data"u8);
            Assert.StartsWith(Path.Combine(Path.GetTempPath(), "connectidmail-test-"), path, StringComparison.Ordinal);
            Assert.EndsWith(".tmp", path, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }

        Assert.False(File.Exists(path));
    }
}
