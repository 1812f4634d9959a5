using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Crypto;

namespace ConnectidMail.UnitTests.Audit;

public sealed class AuditCheckpointSignatureTests
{
    private static readonly string MasterKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string HeadHash = AuditHashing.Sha256Hex("head");
    private static readonly DateTimeOffset Time = new DateTimeOffset(2026, 11, 27, 16, 5, 9, TimeSpan.Zero).AddTicks(1234560);

    [Fact]
    public void The_signed_bytes_are_the_canonical_json_of_head_hash_key_id_sequence_and_time()
    {
        var bytes = AuditCheckpointSignature.SignedBytes(1000, HeadHash, Time, "0123456789abcdef");
        Assert.Equal(
            $$"""{"headHash":"{{HeadHash}}","keyId":"0123456789abcdef","sequence":1000,"time":"2026-11-27T16:05:09.123456Z"}""",
            Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void A_checkpoint_verifies_with_its_published_key_and_the_signature_is_64_bytes_of_r_and_s()
    {
        using var master = new ConfigurationMasterKeyProvider(MasterKey);
        using var privateKey = AuditSigningKeys.Derive(master, 1);
        var key = AuditSigningKeys.PublicKeyOf(privateKey, Time);
        var checkpoint = AuditCheckpointSignature.Sign(privateKey, key.KeyId, 1000, HeadHash, Time);

        Assert.Equal(64, Convert.FromBase64String(checkpoint.Signature).Length);
        Assert.True(AuditCheckpointSignature.Verify(checkpoint, key));
        Assert.Null(AuditCheckpointSignature.FindProblem(checkpoint, [key]));
        // Anyone can check it with a stock P-256 implementation from the published SubjectPublicKeyInfo alone.
        using var independent = ECDsa.Create();
        independent.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key.PublicKey), out _);
        Assert.True(independent.VerifyData(
            AuditCheckpointSignature.SignedBytes(1000, HeadHash, Time, key.KeyId), Convert.FromBase64String(checkpoint.Signature),
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void Any_edit_to_sequence_hash_time_or_key_id_breaks_the_signature()
    {
        using var master = new ConfigurationMasterKeyProvider(MasterKey);
        using var privateKey = AuditSigningKeys.Derive(master, 1);
        var key = AuditSigningKeys.PublicKeyOf(privateKey, Time);
        var checkpoint = AuditCheckpointSignature.Sign(privateKey, key.KeyId, 1000, HeadHash, Time);

        Assert.Contains("altered or forged", AuditCheckpointSignature.FindProblem(checkpoint with { Sequence = 999 }, key), StringComparison.Ordinal);
        Assert.Contains("altered or forged", AuditCheckpointSignature.FindProblem(checkpoint with { HeadHash = AuditHashing.Sha256Hex("other") }, key), StringComparison.Ordinal);
        Assert.Contains("altered or forged", AuditCheckpointSignature.FindProblem(checkpoint with { Time = Time.AddTicks(10) }, key), StringComparison.Ordinal);
        Assert.Contains("not among the known keys", AuditCheckpointSignature.FindProblem(checkpoint with { KeyId = "ffffffffffffffff" }, [key]), StringComparison.Ordinal);
        var flipped = Convert.FromBase64String(checkpoint.Signature);
        flipped[10] ^= 1;
        Assert.False(AuditCheckpointSignature.Verify(checkpoint with { Signature = Convert.ToBase64String(flipped) }, key));
        Assert.Contains("no well-formed signature", AuditCheckpointSignature.FindProblem(checkpoint with { Signature = "AAAA" }, key), StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_by_another_key_under_the_same_id_is_refused()
    {
        using var master = new ConfigurationMasterKeyProvider(MasterKey);
        using var privateKey = AuditSigningKeys.Derive(master, 1);
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = AuditSigningKeys.PublicKeyOf(privateKey, Time);
        var forged = AuditCheckpointSignature.Sign(forger, key.KeyId, 1000, HeadHash, Time);

        Assert.Contains("altered or forged", AuditCheckpointSignature.FindProblem(forged, key), StringComparison.Ordinal);
        // Swapping in the forger's public key under the old id does not help: the fingerprint and id no longer match it.
        var swapped = key with { PublicKey = Convert.ToBase64String(forger.ExportSubjectPublicKeyInfo()) };
        Assert.Contains("fingerprint", AuditCheckpointSignature.FindProblem(forged, swapped), StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_are_derived_per_version_from_the_master_key()
    {
        using var master = new ConfigurationMasterKeyProvider(MasterKey);
        using var other = new ConfigurationMasterKeyProvider(Convert.ToBase64String(new byte[32]));
        var first = Published(master, 1);

        Assert.Equal(first, Published(master, 1));
        Assert.NotEqual(first.Fingerprint, Published(master, 2).Fingerprint);
        Assert.NotEqual(first.Fingerprint, Published(other, 1).Fingerprint);
        Assert.Equal("connectidmail/audit-signing/v1", AuditSigningKeys.Label(1));
        Assert.Equal("connectidmail/audit-signing/v2", AuditSigningKeys.Label(2));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Convert.FromBase64String(first.PublicKey))), first.Fingerprint);
        Assert.Equal(first.Fingerprint[..16], first.KeyId);
    }

    [Fact]
    public void The_json_forms_are_the_shared_contract()
    {
        using var master = new ConfigurationMasterKeyProvider(MasterKey);
        using var privateKey = AuditSigningKeys.Derive(master, 1);
        var key = AuditSigningKeys.PublicKeyOf(privateKey, Time);
        var checkpoint = AuditCheckpointSignature.Sign(privateKey, key.KeyId, 7, HeadHash, Time);
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        var checkpointJson = JsonSerializer.Serialize(checkpoint, web);
        Assert.Equal(
            [("sequence", "7"), ("headHash", HeadHash), ("time", "2026-11-27T16:05:09.123456Z"), ("keyId", key.KeyId), ("signature", checkpoint.Signature)],
            Members(checkpointJson));
        var keyJson = JsonSerializer.Serialize(key, web);
        Assert.Equal(
            [("keyId", key.KeyId), ("publicKey", key.PublicKey), ("fingerprint", key.Fingerprint), ("createdAt", "2026-11-27T16:05:09.123456Z"), ("retiredAt", "")],
            Members(keyJson));
        Assert.True(AuditCheckpointSignature.Verify(JsonSerializer.Deserialize<AuditCheckpoint>(checkpointJson, web)!, JsonSerializer.Deserialize<AuditSigningKey>(keyJson, web)!));
    }

    private static List<(string, string)> Members(string json) =>
        [.. JsonDocument.Parse(json).RootElement.EnumerateObject().Select(m => (m.Name, m.Value.ValueKind == JsonValueKind.Null ? "" : m.Value.ToString()))];

    private static AuditSigningKey Published(IMasterKeyProvider master, int version)
    {
        using var key = AuditSigningKeys.Derive(master, version);
        return AuditSigningKeys.PublicKeyOf(key, Time);
    }
}
