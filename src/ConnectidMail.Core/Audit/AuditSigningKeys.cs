using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using ConnectidMail.Crypto;

namespace ConnectidMail.Audit;

/// <summary>
/// The checkpoint signing keys: ECDSA P-256 private keys derived from the master key with HKDF, one per version (label
/// <see cref="PurposeKeys.AuditSigning"/> for version 1, <c>connectidmail/audit-signing/v{N}</c> for version N), so no
/// private key is ever stored; and the public-key arithmetic anyone can redo offline (fingerprint, key id).
/// </summary>
public static class AuditSigningKeys
{
    /// <summary>The OID of the NIST P-256 curve (secp256r1).</summary>
    private const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>The order n of P-256's base point: a private key is a number from 1 to n − 1.</summary>
    private static readonly BigInteger P256Order = BigInteger.Parse(
        "00FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    public static string Label(int version)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        return version == 1 ? PurposeKeys.AuditSigning : $"connectidmail/audit-signing/v{version.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// The private key of <paramref name="version"/>. HKDF gives 32 bytes; in the rare case (about 2⁻³² ) that they are
    /// not a valid P-256 scalar, the label gets a counter and is derived again, so the result stays deterministic.
    /// </summary>
    public static ECDsa Derive(IMasterKeyProvider masterKey, int version)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        for (var attempt = 0; ; attempt++)
        {
            var label = attempt == 0 ? Label(version) : $"{Label(version)}#{attempt.ToString(CultureInfo.InvariantCulture)}";
            var scalar = masterKey.DeriveKey(label);
            try
            {
                var value = new BigInteger(scalar, isUnsigned: true, isBigEndian: true);
                if (value.IsZero || value >= P256Order)
                {
                    continue;
                }

                // Without Q the platform computes the public point from D.
                return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar });
            }
            finally
            {
                CryptographicOperations.ZeroMemory(scalar);
            }
        }
    }

    /// <summary>The public half of a key as the trail publishes it.</summary>
    public static AuditSigningKey PublicKeyOf(ECDsa key, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(key);
        var spki = key.ExportSubjectPublicKeyInfo();
        var fingerprint = Fingerprint(spki);
        return new AuditSigningKey(KeyIdOf(fingerprint), Convert.ToBase64String(spki), fingerprint, AuditHashing.TruncateToMicroseconds(createdAt), null);
    }

    /// <summary>Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER: what admins and auditors compare and keep.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));

    /// <summary>A key's id: the first 16 hex digits of its fingerprint, so an id cannot silently name another key.</summary>
    public static string KeyIdOf(string fingerprint) => fingerprint[..AuditSigningKeyRecord.KeyIdLength];

    /// <summary>Null when the published key is a P-256 public key whose fingerprint and id match it; otherwise what is wrong.</summary>
    public static string? FindPublicKeyProblem(AuditSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] spki;
        try
        {
            spki = Convert.FromBase64String(key.PublicKey);
            using var imported = ImportPublicKey(spki);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return $"The signing key '{key.KeyId}' is not an ECDSA P-256 public key (base64 of its SubjectPublicKeyInfo).";
        }

        var fingerprint = Fingerprint(spki);
        if (fingerprint != key.Fingerprint)
        {
            return $"The signing key '{key.KeyId}' has the fingerprint {fingerprint}, not the {key.Fingerprint} it states.";
        }

        return KeyIdOf(fingerprint) != key.KeyId
            ? $"The signing key '{key.KeyId}' does not carry the id of its fingerprint ({KeyIdOf(fingerprint)})."
            : null;
    }

    /// <summary>Reads a P-256 public key from base64 SubjectPublicKeyInfo; throws for anything else.</summary>
    public static ECDsa ImportPublicKey(string subjectPublicKeyInfo) => ImportPublicKey(Convert.FromBase64String(subjectPublicKeyInfo));

    private static ECDsa ImportPublicKey(byte[] spki)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length || key.ExportParameters(false).Curve.Oid.Value != P256Oid)
            {
                throw new CryptographicException("Not a P-256 public key.");
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
