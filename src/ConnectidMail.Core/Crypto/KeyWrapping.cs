using System.Globalization;
using System.Security.Cryptography;

namespace ConnectidMail.Crypto;

/// <summary>
/// The middle of the key hierarchy: master key → (derived kek-wrap key) → KEKs → per-message data keys (DEKs) → content.
/// Rotation re-wraps DEKs under a new KEK; content is never re-encrypted.
/// </summary>
public static class KeyWrapping
{
    public const int DataKeySize = 32;

    /// <summary>A new random 256-bit data key. The caller zeroes it when done.</summary>
    public static byte[] GenerateDataKey() => RandomNumberGenerator.GetBytes(DataKeySize);

    /// <summary>Wraps a DEK under a KEK, bound to the message id and the KEK version.</summary>
    public static WrappedDataKey WrapDataKey(KeyEncryptionKey kek, ReadOnlySpan<byte> dataKey, Guid messageId)
    {
        ArgumentNullException.ThrowIfNull(kek);
        if (dataKey.Length != DataKeySize)
        {
            throw new ArgumentException("A data key is 32 bytes.", nameof(dataKey));
        }

        var ciphertext = ValueCipher.Encrypt(kek.Key, dataKey, EncryptionPurpose.DataKey, ValueCipher.FormatOwnerId(messageId), kek.Version);
        return new WrappedDataKey(kek.Version, ciphertext);
    }

    /// <summary>Unwraps a DEK; fails with <see cref="DecryptionFailedException"/> for another message id or another KEK version.</summary>
    public static byte[] UnwrapDataKey(KeyEncryptionKey kek, WrappedDataKey wrapped, Guid messageId)
    {
        ArgumentNullException.ThrowIfNull(kek);
        ArgumentNullException.ThrowIfNull(wrapped);
        if (wrapped.KekVersion != kek.Version)
        {
            throw new DecryptionFailedException();
        }

        var dataKey = ValueCipher.Decrypt(kek.Key, wrapped.Ciphertext, EncryptionPurpose.DataKey, ValueCipher.FormatOwnerId(messageId), kek.Version);
        if (dataKey.Length != DataKeySize)
        {
            CryptographicOperations.ZeroMemory(dataKey);
            throw new DecryptionFailedException();
        }

        return dataKey;
    }

    /// <summary>Wraps a KEK for storage under the key derived from the master key for <see cref="PurposeKeys.KekWrap"/>, bound to its version.</summary>
    public static byte[] WrapKeyEncryptionKey(IMasterKeyProvider masterKey, KeyEncryptionKey kek)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        ArgumentNullException.ThrowIfNull(kek);
        var wrappingKey = masterKey.DeriveKey(PurposeKeys.KekWrap);
        try
        {
            return ValueCipher.Encrypt(wrappingKey, kek.Key, EncryptionPurpose.KeyEncryptionKey, KekOwnerId(kek.Version), kek.Version);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrappingKey);
        }
    }

    /// <summary>Unwraps a stored KEK; a KEK stored under another version number does not unwrap.</summary>
    public static KeyEncryptionKey UnwrapKeyEncryptionKey(IMasterKeyProvider masterKey, int version, ReadOnlySpan<byte> wrappedKek)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        var wrappingKey = masterKey.DeriveKey(PurposeKeys.KekWrap);
        byte[]? key = null;
        try
        {
            key = ValueCipher.Decrypt(wrappingKey, wrappedKek, EncryptionPurpose.KeyEncryptionKey, KekOwnerId(version), version);
            if (key.Length != ValueCipher.KeySize)
            {
                throw new DecryptionFailedException();
            }

            return new KeyEncryptionKey(version, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrappingKey);
            if (key is not null)
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    private static string KekOwnerId(int version) => "kek:" + version.ToString(CultureInfo.InvariantCulture);
}
