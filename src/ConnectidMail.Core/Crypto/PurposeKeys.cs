using System.Security.Cryptography;
using System.Text;

namespace ConnectidMail.Crypto;

/// <summary>
/// Labels of the keys derived from the master key. Each use gets its own label so that a key leaked or misused in one
/// place says nothing about the others. A label never changes meaning: a new scheme gets a new version suffix.
/// </summary>
public static class PurposeKeys
{
    /// <summary>Wraps the key-encryption keys stored in the database.</summary>
    public const string KekWrap = "connectidmail/kek-wrap/v1";

    /// <summary>Encrypts one-time verification codes at rest.</summary>
    public const string Codes = "connectidmail/codes/v1";

    /// <summary>Seeds or wraps the audit checkpoint signing key.</summary>
    public const string AuditSigning = "connectidmail/audit-signing/v1";

    /// <summary>Encrypts the ASP.NET Core DataProtection key ring at rest.</summary>
    public const string DataProtection = "connectidmail/dataprotection/v1";

    /// <summary>Encrypts the content of queued mails (subjects, bodies with live links and codes) until they leave.</summary>
    public const string Outbox = "connectidmail/outbox/v1";

    /// <summary>Encrypts staff sign-in secrets kept by Identity: authenticator keys and recovery codes.</summary>
    public const string StaffTokens = "connectidmail/staff-tokens/v1";

    public const int KeySize = 32;

    /// <summary>HKDF-SHA256 of the master key with no salt (the master key is already uniformly random) and the label as info.</summary>
    public static byte[] Derive(ReadOnlySpan<byte> masterKey, string label)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        if (masterKey.Length != KeySize)
        {
            throw new ArgumentException("The master key must be 32 bytes.", nameof(masterKey));
        }

        var derived = new byte[KeySize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, derived, salt: [], info: Encoding.UTF8.GetBytes(label));
        return derived;
    }
}
