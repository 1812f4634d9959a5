using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ConnectidMail.Crypto;

/// <summary>
/// AES-256-GCM for small values held whole in memory (subjects, bodies, file names, wrapped keys).
/// Format: version (1 byte, 0x01) ‖ random nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes).
/// Associated data binds each ciphertext to its purpose and owner id, so it cannot be replayed elsewhere.
/// </summary>
public static class ValueCipher
{
    public const byte FormatVersion = 1;
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    /// <summary>Bytes added to every plaintext.</summary>
    public const int Overhead = 1 + NonceSize + TagSize;

    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, EncryptionPurpose purpose, string ownerId)
        => Encrypt(key, plaintext, purpose, ownerId, keyVersion: 0);

    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, EncryptionPurpose purpose, Guid ownerId)
        => Encrypt(key, plaintext, purpose, FormatOwnerId(ownerId), keyVersion: 0);

    public static byte[] Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, EncryptionPurpose purpose, string ownerId)
        => Decrypt(key, ciphertext, purpose, ownerId, keyVersion: 0);

    public static byte[] Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, EncryptionPurpose purpose, Guid ownerId)
        => Decrypt(key, ciphertext, purpose, FormatOwnerId(ownerId), keyVersion: 0);

    /// <summary>Encrypts text as UTF-8.</summary>
    public static byte[] EncryptText(ReadOnlySpan<byte> key, string plaintext, EncryptionPurpose purpose, Guid ownerId)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var bytes = Encoding.UTF8.GetBytes(plaintext);
        try
        {
            return Encrypt(key, bytes, purpose, ownerId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    public static string DecryptText(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, EncryptionPurpose purpose, Guid ownerId)
    {
        var bytes = Decrypt(key, ciphertext, purpose, ownerId);
        try
        {
            return Encoding.UTF8.GetString(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>The canonical text of a Guid owner id (lowercase, hyphenated), so a Guid and its string form bind the same owner.</summary>
    public static string FormatOwnerId(Guid ownerId) => ownerId.ToString("D");

    /// <param name="keyVersion">The version of the key that encrypts, for wrapped keys; 0 when the key has no version.</param>
    internal static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, EncryptionPurpose purpose, string ownerId, int keyVersion)
    {
        RequireKey(key);
        var associatedData = AssociatedData(purpose, ownerId, keyVersion);
        var result = new byte[Overhead + plaintext.Length];
        result[0] = FormatVersion;
        var nonce = result.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, result.AsSpan(1 + NonceSize, plaintext.Length), result.AsSpan(result.Length - TagSize), associatedData);
        return result;
    }

    internal static byte[] Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, EncryptionPurpose purpose, string ownerId, int keyVersion)
    {
        RequireKey(key);
        var associatedData = AssociatedData(purpose, ownerId, keyVersion);
        if (ciphertext.Length < Overhead || ciphertext[0] != FormatVersion)
        {
            throw new DecryptionFailedException();
        }

        var plaintext = new byte[ciphertext.Length - Overhead];
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(
                ciphertext.Slice(1, NonceSize),
                ciphertext.Slice(1 + NonceSize, plaintext.Length),
                ciphertext[^TagSize..],
                plaintext,
                associatedData);
            return plaintext;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            throw new DecryptionFailedException();
        }
    }

    /// <summary>
    /// version (1) ‖ purpose (uint16 BE) ‖ key version (int32 BE) ‖ owner id length (int32 BE) ‖ owner id (UTF-8).
    /// Every field but the last has a fixed width and the last is length-prefixed, so no two contexts encode alike.
    /// </summary>
    internal static byte[] AssociatedData(EncryptionPurpose purpose, string ownerId, int keyVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerId);
        if (!Enum.IsDefined(purpose))
        {
            throw new ArgumentOutOfRangeException(nameof(purpose), purpose, "Unknown purpose.");
        }

        var ownerLength = Encoding.UTF8.GetByteCount(ownerId);
        var data = new byte[1 + 2 + 4 + 4 + ownerLength];
        data[0] = FormatVersion;
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(1), (ushort)purpose);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(3), keyVersion);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(7), ownerLength);
        Encoding.UTF8.GetBytes(ownerId, data.AsSpan(11));
        return data;
    }

    private static void RequireKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("The key must be 32 bytes (AES-256).", nameof(key));
        }
    }
}
