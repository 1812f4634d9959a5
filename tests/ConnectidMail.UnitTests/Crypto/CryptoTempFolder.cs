namespace ConnectidMail.UnitTests.Crypto;

/// <summary>A folder of its own for one test, removed afterwards.</summary>
internal sealed class CryptoTempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("connectidmail-crypto-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
