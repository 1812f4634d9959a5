using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ConnectidMail.Audit;

/// <summary>
/// What a checkpoint signs and how, with no database: the signed bytes are the UTF-8 of the RFC 8785 canonical JSON of
/// <c>{"headHash":hex,"keyId":id,"sequence":n,"time":"yyyy-MM-ddTHH:mm:ss.ffffffZ"}</c>; the signature is ECDSA P-256
/// over SHA-256 in IEEE P1363 form (r‖s, 64 bytes), base64. Changing any of this breaks every stored checkpoint.
/// </summary>
public static class AuditCheckpointSignature
{
    public const int SignatureLength = 64;

    private const DSASignatureFormat Format = DSASignatureFormat.IeeeP1363FixedFieldConcatenation;

    /// <summary>The exact bytes a checkpoint's signature is over.</summary>
    public static byte[] SignedBytes(long sequence, string headHash, DateTimeOffset time, string keyId) =>
        Encoding.UTF8.GetBytes(CanonicalJson.Canonicalize(new JsonObject
        {
            ["headHash"] = headHash,
            ["keyId"] = keyId,
            ["sequence"] = sequence,
            ["time"] = AuditHashing.FormatTime(time),
        }.ToJsonString()));

    /// <summary>Signs the head of the chain at <paramref name="sequence"/> with a P-256 private key.</summary>
    public static AuditCheckpoint Sign(ECDsa privateKey, string keyId, long sequence, string headHash, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        var at = AuditHashing.TruncateToMicroseconds(time);
        var signature = privateKey.SignData(SignedBytes(sequence, headHash, at, keyId), HashAlgorithmName.SHA256, Format);
        return new AuditCheckpoint { Sequence = sequence, HeadHash = headHash, Time = at, KeyId = keyId, Signature = Convert.ToBase64String(signature) };
    }

    /// <summary>True when <paramref name="key"/> signed exactly this checkpoint.</summary>
    public static bool Verify(AuditCheckpoint checkpoint, AuditSigningKey key) => FindProblem(checkpoint, key) is null;

    /// <summary>Picks the checkpoint's key by its id among <paramref name="keys"/>; null when it verifies, otherwise what is wrong.</summary>
    public static string? FindProblem(AuditCheckpoint checkpoint, IEnumerable<AuditSigningKey> keys)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return keys.FirstOrDefault(k => k.KeyId == checkpoint.KeyId) is { } key
            ? FindProblem(checkpoint, key)
            : $"Checkpoint {checkpoint.Sequence} names the signing key '{checkpoint.KeyId}', which is not among the known keys.";
    }

    /// <summary>Null when <paramref name="key"/> signed exactly this checkpoint; otherwise what is wrong, in words.</summary>
    public static string? FindProblem(AuditCheckpoint checkpoint, AuditSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(key);
        var name = $"Checkpoint {checkpoint.Sequence}";
        if (checkpoint.KeyId != key.KeyId)
        {
            return $"{name} names the signing key '{checkpoint.KeyId}', not '{key.KeyId}'.";
        }

        if (AuditSigningKeys.FindPublicKeyProblem(key) is { } keyProblem)
        {
            return keyProblem;
        }

        if (checkpoint.Sequence < 1 || !IsHash(checkpoint.HeadHash) || checkpoint.Time.UtcTicks % TimeSpan.TicksPerMicrosecond != 0)
        {
            return $"{name} is malformed: it needs a sequence number from 1, a head hash of 64 lowercase hex digits and a time in whole microseconds.";
        }

        var signature = new byte[SignatureLength];
        if (!Convert.TryFromBase64String(checkpoint.Signature, signature, out var length) || length != SignatureLength)
        {
            return $"{name} has no well-formed signature (base64 of {SignatureLength} bytes).";
        }

        using var publicKey = AuditSigningKeys.ImportPublicKey(key.PublicKey);
        var signed = SignedBytes(checkpoint.Sequence, checkpoint.HeadHash, checkpoint.Time, checkpoint.KeyId);
        return publicKey.VerifyData(signed, signature, HashAlgorithmName.SHA256, Format)
            ? null
            : $"{name}'s signature does not match its sequence, head hash, time and key id: it was altered or forged.";
    }

    private static bool IsHash(string? text) => text is { Length: AuditEvent.HashLength } && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
