using System.Security.Cryptography;

namespace ConnectidMail.Crypto;

/// <summary>A versioned key-encryption key (KEK): wraps the per-message data keys. Zeroes its key on dispose.</summary>
public sealed class KeyEncryptionKey : IDisposable
{
    private readonly byte[] key;

    /// <param name="version">1 or more; recorded beside every data key it wraps and bound into the wrapping.</param>
    /// <param name="key">32 bytes; copied, so the caller may zero its own array.</param>
    public KeyEncryptionKey(int version, ReadOnlySpan<byte> key)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        if (key.Length != ValueCipher.KeySize)
        {
            throw new ArgumentException("A key-encryption key is 32 bytes.", nameof(key));
        }

        Version = version;
        this.key = GC.AllocateArray<byte>(ValueCipher.KeySize, pinned: true);
        key.CopyTo(this.key);
    }

    public int Version { get; }

    public ReadOnlySpan<byte> Key => key;

    /// <summary>A new random KEK, e.g. for key rotation.</summary>
    public static KeyEncryptionKey Generate(int version)
    {
        Span<byte> key = stackalloc byte[ValueCipher.KeySize];
        RandomNumberGenerator.Fill(key);
        try
        {
            return new KeyEncryptionKey(version, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(key);
}
