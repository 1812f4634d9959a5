using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ConnectidMail.Audit;
using ConnectidMail.Crypto;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Reports;

/// <summary>
/// Signs reports with the audit key that signs checkpoints: its private half is derived from the master key, wrapped in
/// a self-signed certificate (PDF signatures carry one), so a report's signer is the key whose fingerprint auditors keep.
/// </summary>
public sealed class EvidenceSigner(ConnectidDbContext db, IMasterKeyProvider masterKey)
{
    /// <summary>The current (unretired) checkpoint key as a certificate; null while there is none, and the report goes unsigned.</summary>
    public async Task<X509Certificate2?> CertificateAsync(CancellationToken cancellationToken = default)
    {
        var current = await db.AuditSigningKeys.AsNoTracking()
            .Where(k => k.RetiredAt == null)
            .OrderByDescending(k => k.Version)
            .FirstOrDefaultAsync(cancellationToken);
        if (current is null)
        {
            return null;
        }

        using var key = AuditSigningKeys.Derive(masterKey, current.Version);
        if (AuditSigningKeys.Fingerprint(key.ExportSubjectPublicKeyInfo()) != current.Fingerprint)
        {
            // Another master key than the one that made the key: signing would name a key nobody keeps.
            throw new InvalidOperationException($"The master key does not derive the audit signing key {current.KeyId}; the report cannot be signed.");
        }

        var request = new CertificateRequest($"CN=ConnectidMail audit key {current.KeyId}", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(current.CreatedAt, current.CreatedAt.AddYears(100));
    }
}
