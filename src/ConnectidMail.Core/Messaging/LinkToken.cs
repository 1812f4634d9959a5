using System.Buffers.Text;
using System.Security.Cryptography;

namespace ConnectidMail.Messaging;

/// <summary>The secret in a recipient's link: 256 random bits, base64url; only its SHA-256 is stored.</summary>
public static class LinkToken
{
    public const int Bytes = 32;

    /// <summary>Length of the base64url text of a token.</summary>
    public const int TextLength = 43;

    public static (string Token, byte[] Hash) Create()
    {
        Span<byte> secret = stackalloc byte[Bytes];
        RandomNumberGenerator.Fill(secret);
        var hash = SHA256.HashData(secret);
        var token = Base64Url.EncodeToString(secret);
        CryptographicOperations.ZeroMemory(secret);
        return (token, hash);
    }

    /// <summary>The stored hash of <paramref name="token"/>, or null when it is not a well-formed token.</summary>
    public static byte[]? TryHash(string? token)
    {
        if (token is not { Length: TextLength })
        {
            return null;
        }

        Span<byte> secret = stackalloc byte[Bytes];
        if (!Base64Url.IsValid(token) || Base64Url.DecodeFromChars(token, secret) != Bytes)
        {
            return null;
        }

        var hash = SHA256.HashData(secret);
        CryptographicOperations.ZeroMemory(secret);
        return hash;
    }
}
