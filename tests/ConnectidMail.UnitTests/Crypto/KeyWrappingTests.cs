using ConnectidMail.Crypto;

namespace ConnectidMail.UnitTests.Crypto;

public sealed class KeyWrappingTests
{
    private static readonly Guid MessageId = AttachmentTestData.MessageId;
    private static readonly Guid OtherMessageId = AttachmentTestData.OtherAttachmentId;

    [Fact]
    public void A_data_key_round_trips_and_records_the_KEK_version()
    {
        using var kek = KeyEncryptionKey.Generate(version: 3);
        var dataKey = KeyWrapping.GenerateDataKey();

        var wrapped = KeyWrapping.WrapDataKey(kek, dataKey, MessageId);

        Assert.Equal(3, wrapped.KekVersion);
        Assert.Equal(32, dataKey.Length);
        Assert.Equal(dataKey, KeyWrapping.UnwrapDataKey(kek, wrapped, MessageId));
    }

    [Fact]
    public void A_wrapped_data_key_moved_under_another_message_id_fails()
    {
        using var kek = KeyEncryptionKey.Generate(version: 1);
        var wrapped = KeyWrapping.WrapDataKey(kek, KeyWrapping.GenerateDataKey(), MessageId);

        Assert.Throws<DecryptionFailedException>(() => KeyWrapping.UnwrapDataKey(kek, wrapped, OtherMessageId));
    }

    [Fact]
    public void The_wrong_KEK_version_fails()
    {
        using var oldKek = KeyEncryptionKey.Generate(version: 1);
        using var newKek = KeyEncryptionKey.Generate(version: 2);
        var wrapped = KeyWrapping.WrapDataKey(oldKek, KeyWrapping.GenerateDataKey(), MessageId);

        Assert.Throws<DecryptionFailedException>(() => KeyWrapping.UnwrapDataKey(newKek, wrapped, MessageId));
    }

    [Fact]
    public void A_wrapped_data_key_relabelled_with_another_KEK_version_fails_even_with_the_same_key_bytes()
    {
        // The version is bound into the associated data, not only recorded beside the ciphertext.
        var keyBytes = AttachmentTestData.Bytes(32, seed: 51);
        using var version1 = new KeyEncryptionKey(1, keyBytes);
        using var version2 = new KeyEncryptionKey(2, keyBytes);
        var wrapped = KeyWrapping.WrapDataKey(version1, KeyWrapping.GenerateDataKey(), MessageId);

        Assert.Throws<DecryptionFailedException>(() => KeyWrapping.UnwrapDataKey(version2, wrapped with { KekVersion = 2 }, MessageId));
    }

    [Fact]
    public void Another_KEK_with_the_same_version_fails()
    {
        using var kek = KeyEncryptionKey.Generate(version: 1);
        using var impostor = KeyEncryptionKey.Generate(version: 1);
        var wrapped = KeyWrapping.WrapDataKey(kek, KeyWrapping.GenerateDataKey(), MessageId);

        Assert.Throws<DecryptionFailedException>(() => KeyWrapping.UnwrapDataKey(impostor, wrapped, MessageId));
    }

    [Fact]
    public void Rotation_rewraps_a_data_key_under_a_new_KEK_without_changing_it()
    {
        using var oldKek = KeyEncryptionKey.Generate(version: 1);
        using var newKek = KeyEncryptionKey.Generate(version: 2);
        var dataKey = KeyWrapping.GenerateDataKey();
        var wrapped = KeyWrapping.WrapDataKey(oldKek, dataKey, MessageId);

        var rewrapped = KeyWrapping.WrapDataKey(newKek, KeyWrapping.UnwrapDataKey(oldKek, wrapped, MessageId), MessageId);

        Assert.Equal(2, rewrapped.KekVersion);
        Assert.Equal(dataKey, KeyWrapping.UnwrapDataKey(newKek, rewrapped, MessageId));
    }

    [Fact]
    public void A_KEK_round_trips_under_the_master_key()
    {
        using var master = new ConfigurationMasterKeyProvider(Convert.ToBase64String(AttachmentTestData.Bytes(32, seed: 52)));
        using var kek = KeyEncryptionKey.Generate(version: 4);

        var stored = KeyWrapping.WrapKeyEncryptionKey(master, kek);
        using var unwrapped = KeyWrapping.UnwrapKeyEncryptionKey(master, 4, stored);

        Assert.Equal(4, unwrapped.Version);
        Assert.Equal(kek.Key.ToArray(), unwrapped.Key.ToArray());
        Assert.True(stored.AsSpan().IndexOf(kek.Key) < 0, "the stored form holds the KEK in the clear");
    }

    [Fact]
    public void A_stored_KEK_claimed_under_another_version_fails()
    {
        using var master = new ConfigurationMasterKeyProvider(Convert.ToBase64String(AttachmentTestData.Bytes(32, seed: 53)));
        using var kek = KeyEncryptionKey.Generate(version: 1);
        var stored = KeyWrapping.WrapKeyEncryptionKey(master, kek);

        Assert.Throws<DecryptionFailedException>(() => KeyWrapping.UnwrapKeyEncryptionKey(master, 2, stored));
    }

    [Fact]
    public void A_stored_KEK_does_not_unwrap_under_another_master_key()
    {
        using var master = new ConfigurationMasterKeyProvider(Convert.ToBase64String(AttachmentTestData.Bytes(32, seed: 54)));
        using var otherMaster = new ConfigurationMasterKeyProvider(Convert.ToBase64String(AttachmentTestData.Bytes(32, seed: 55)));
        using var kek = KeyEncryptionKey.Generate(version: 1);
        var stored = KeyWrapping.WrapKeyEncryptionKey(master, kek);

        Assert.Throws<DecryptionFailedException>(() => KeyWrapping.UnwrapKeyEncryptionKey(otherMaster, 1, stored));
    }

    [Fact]
    public void KEK_versions_start_at_one()
        => Assert.Throws<ArgumentOutOfRangeException>(() => KeyEncryptionKey.Generate(version: 0));
}
