using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Crypto;
using ConnectidMail.Mail;

namespace ConnectidMail.UnitTests.Mail;

public sealed class OutboxContentCipherTests : IDisposable
{
    private readonly ConfigurationMasterKeyProvider masterKey = new(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    private readonly OutboxContentCipher cipher;

    public OutboxContentCipherTests()
    {
        cipher = new OutboxContentCipher(masterKey);
    }

    [Fact]
    public void Content_round_trips_for_its_own_row_only()
    {
        var (row, other) = (Guid.NewGuid(), Guid.NewGuid());
        var content = new MailContent("Your code", "Code: 12345678", "<p>Code: <b>12345678</b> — æøå</p>");

        var ciphertext = cipher.Encrypt(row, content);

        Assert.Equal(content, cipher.Decrypt(row, ciphertext));
        Assert.Throws<DecryptionFailedException>(() => cipher.Decrypt(other, ciphertext));
        Assert.Equal(-1, ciphertext.AsSpan().IndexOf(Encoding.UTF8.GetBytes("12345678")));
    }

    [Fact]
    public void The_key_is_the_one_derived_for_the_outbox_label_and_the_purpose_is_outbox_mail()
    {
        var row = Guid.NewGuid();
        var ciphertext = cipher.Encrypt(row, new MailContent("s", "t", "h"));

        var key = masterKey.DeriveKey(PurposeKeys.Outbox);
        var plaintext = ValueCipher.Decrypt(key, ciphertext, EncryptionPurpose.OutboxMail, row);

        Assert.Equal("""{"Subject":"s","TextBody":"t","HtmlBody":"h","FromName":null}""", Encoding.UTF8.GetString(plaintext));
        Assert.Throws<DecryptionFailedException>(() => ValueCipher.Decrypt(key, ciphertext, EncryptionPurpose.Body, row));
    }

    public void Dispose()
    {
        cipher.Dispose();
        masterKey.Dispose();
    }
}
