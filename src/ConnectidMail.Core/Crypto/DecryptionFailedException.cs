using System.Security.Cryptography;

namespace ConnectidMail.Crypto;

/// <summary>
/// Ciphertext did not authenticate: it was altered, truncated, extended, moved to another owner or purpose, or the key
/// is wrong. The message deliberately says no more, so that errors shown or logged never help an attacker narrow it down.
/// </summary>
public sealed class DecryptionFailedException : CryptographicException
{
    private const string DefaultMessage = "The data could not be decrypted: it is damaged, was moved, or the key does not match.";

    public DecryptionFailedException()
        : base(DefaultMessage)
    {
    }

    public DecryptionFailedException(Exception innerException)
        : base(DefaultMessage, innerException)
    {
    }

    public DecryptionFailedException(string message)
        : base(message)
    {
    }

    public DecryptionFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
