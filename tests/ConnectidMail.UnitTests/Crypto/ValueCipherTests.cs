using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Crypto;

namespace ConnectidMail.UnitTests.Crypto;

public sealed class ValueCipherTests
{
    private static readonly byte[] Key = AttachmentTestData.Bytes(32, seed: 41);
    private static readonly Guid Owner = AttachmentTestData.MessageId;

    [Theory]
    [InlineData("")]
    [InlineData("Quarterly report")]
    [InlineData("Fortroligt: æøå ÆØÅ — 🔐")]
    public void Text_round_trips(string text)
    {
        var ciphertext = ValueCipher.EncryptText(Key, text, EncryptionPurpose.Subject, Owner);

        Assert.Equal(text, ValueCipher.DecryptText(Key, ciphertext, EncryptionPurpose.Subject, Owner));
        Assert.Equal(Encoding.UTF8.GetByteCount(text) + ValueCipher.Overhead, ciphertext.Length);
    }

    [Fact]
    public void The_format_is_version_nonce_ciphertext_tag()
    {
        var plaintext = "hello"u8.ToArray();

        var ciphertext = ValueCipher.Encrypt(Key, plaintext, EncryptionPurpose.Body, Owner);

        Assert.Equal(1, ciphertext[0]);
        Assert.Equal(1 + 12 + plaintext.Length + 16, ciphertext.Length);
        using var aes = new AesGcm(Key, 16);
        var decrypted = new byte[plaintext.Length];
        aes.Decrypt(
            ciphertext.AsSpan(1, 12),
            ciphertext.AsSpan(13, plaintext.Length),
            ciphertext.AsSpan(13 + plaintext.Length),
            decrypted,
            ValueCipher.AssociatedData(EncryptionPurpose.Body, Owner.ToString("D"), keyVersion: 0));
        Assert.Equal(plaintext, decrypted);
    }

    [Fact]
    public void Each_encryption_uses_a_fresh_nonce()
    {
        var first = ValueCipher.EncryptText(Key, "same", EncryptionPurpose.Body, Owner);
        var second = ValueCipher.EncryptText(Key, "same", EncryptionPurpose.Body, Owner);

        Assert.NotEqual(first.AsSpan(1, 12).ToArray(), second.AsSpan(1, 12).ToArray());
    }

    [Fact]
    public void The_wrong_purpose_fails()
    {
        var subject = ValueCipher.EncryptText(Key, "subject", EncryptionPurpose.Subject, Owner);

        Assert.Throws<DecryptionFailedException>(() => ValueCipher.DecryptText(Key, subject, EncryptionPurpose.Body, Owner));
        Assert.Throws<DecryptionFailedException>(() => ValueCipher.DecryptText(Key, subject, EncryptionPurpose.FileName, Owner));
    }

    [Fact]
    public void The_wrong_owner_fails()
    {
        var body = ValueCipher.EncryptText(Key, "body", EncryptionPurpose.Body, Owner);

        Assert.Throws<DecryptionFailedException>(() =>
            ValueCipher.DecryptText(Key, body, EncryptionPurpose.Body, AttachmentTestData.AttachmentId));
    }

    [Fact]
    public void The_wrong_key_fails()
    {
        var body = ValueCipher.EncryptText(Key, "body", EncryptionPurpose.Body, Owner);

        Assert.Throws<DecryptionFailedException>(() =>
            ValueCipher.DecryptText(AttachmentTestData.Bytes(32, seed: 42), body, EncryptionPurpose.Body, Owner));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(20)]
    public void A_flipped_bit_anywhere_fails(int index)
    {
        var body = ValueCipher.Encrypt(Key, "a body of some length"u8, EncryptionPurpose.Body, Owner);
        body[index] ^= 0x80;

        Assert.Throws<DecryptionFailedException>(() => ValueCipher.Decrypt(Key, body, EncryptionPurpose.Body, Owner));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(28)]
    public void Too_short_ciphertexts_fail_with_the_same_exception(int length)
        => Assert.Throws<DecryptionFailedException>(() => ValueCipher.Decrypt(Key, new byte[length], EncryptionPurpose.Body, Owner));

    [Fact]
    public void A_Guid_owner_and_its_canonical_text_bind_the_same_owner()
    {
        var ciphertext = ValueCipher.Encrypt(Key, "x"u8, EncryptionPurpose.Reply, Owner);

        Assert.Equal("x"u8.ToArray(), ValueCipher.Decrypt(Key, ciphertext, EncryptionPurpose.Reply, Owner.ToString("D")));
    }

    [Fact]
    public void Associated_data_differs_for_every_field()
    {
        var reference = ValueCipher.AssociatedData(EncryptionPurpose.Body, "owner", 0);

        Assert.NotEqual(reference, ValueCipher.AssociatedData(EncryptionPurpose.Subject, "owner", 0));
        Assert.NotEqual(reference, ValueCipher.AssociatedData(EncryptionPurpose.Body, "owner2", 0));
        Assert.NotEqual(reference, ValueCipher.AssociatedData(EncryptionPurpose.Body, "owner", 1));
    }

    [Fact]
    public void The_failure_message_says_nothing_about_the_cause()
    {
        var body = ValueCipher.EncryptText(Key, "secret body", EncryptionPurpose.Body, Owner);

        var failure = Assert.Throws<DecryptionFailedException>(() => ValueCipher.DecryptText(Key, body, EncryptionPurpose.Subject, Owner));

        Assert.DoesNotContain("secret", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Owner.ToString(), failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("purpose", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Null(failure.InnerException);
    }

    [Fact]
    public void Keys_of_the_wrong_size_are_refused()
        => Assert.Throws<ArgumentException>(() => ValueCipher.Encrypt(new byte[16], "x"u8, EncryptionPurpose.Body, Owner));
}
