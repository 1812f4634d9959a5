using System.Security.Cryptography;

namespace ConnectidMail.Crypto;

/// <summary>A master key held in this process: loaded once, kept in a pinned array so the GC never copies it, zeroed on dispose.</summary>
public abstract class LocalMasterKeyProvider : IMasterKeyProvider, IDisposable
{
    private readonly Lock gate = new();
    private byte[]? masterKey;
    private bool disposed;

    public byte[] DeriveKey(string label)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            masterKey ??= LoadPinned();
            return PurposeKeys.Derive(masterKey, label);
        }
    }

    /// <summary>Loads the key now, so that a missing or unsafe key stops the start instead of the first request.</summary>
    public void EnsureLoaded() => DeriveKey(PurposeKeys.KekWrap).AsSpan().Clear();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        lock (gate)
        {
            if (masterKey is not null)
            {
                CryptographicOperations.ZeroMemory(masterKey);
                masterKey = null;
            }

            disposed = true;
        }
    }

    /// <summary>Writes the 32-byte master key into <paramref name="destination"/> or throws a <see cref="MasterKeyException"/>.</summary>
    protected abstract void LoadMasterKey(Span<byte> destination);

    private byte[] LoadPinned()
    {
        var key = GC.AllocateArray<byte>(PurposeKeys.KeySize, pinned: true);
        try
        {
            LoadMasterKey(key);
            return key;
        }
        catch
        {
            CryptographicOperations.ZeroMemory(key);
            throw;
        }
    }
}
