using System.Security.Cryptography;

namespace ConnectidMail.Crypto;

/// <summary>The master key given as base64 in <c>Keys:MasterKey</c> (secret store, environment variable, command line).</summary>
public sealed class ConfigurationMasterKeyProvider(string base64MasterKey) : LocalMasterKeyProvider
{
    /// <summary>Checks the value without keeping it; returns a message for the operator, or null when it is a 256-bit key.</summary>
    public static string? Validate(string? base64MasterKey)
    {
        if (string.IsNullOrWhiteSpace(base64MasterKey))
        {
            return "Keys:MasterKey is empty.";
        }

        // Enough room for any length so the message can say how long it was; the buffer is zeroed either way.
        var buffer = new byte[(base64MasterKey.Length * 3 / 4) + 3];
        try
        {
            if (!Convert.TryFromBase64String(base64MasterKey.Trim(), buffer, out var written))
            {
                return "Keys:MasterKey is not valid base64. Give 32 random bytes in base64, e.g. the output of `openssl rand -base64 32`.";
            }

            return written == PurposeKeys.KeySize
                ? null
                : $"Keys:MasterKey must be exactly 256 bits (32 bytes) in base64, but it decodes to {written * 8} bits. "
                    + "Generate one with `openssl rand -base64 32`.";
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    protected override void LoadMasterKey(Span<byte> destination)
    {
        if (Validate(base64MasterKey) is { } problem)
        {
            throw new MasterKeyException(problem);
        }

        Convert.TryFromBase64String(base64MasterKey.Trim(), destination, out _);
    }
}
