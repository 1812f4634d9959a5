using System.Security.Cryptography;
using System.Text.Json;
using ConnectidMail.Crypto;

namespace ConnectidMail.Mail;

/// <summary>
/// Encrypts the content of queued mails (AES-256-GCM, <see cref="ValueCipher"/>) under the key derived for
/// <see cref="PurposeKeys.Outbox"/>, bound to the outbox row id: a stolen database reveals no link or code, and content
/// copied onto another row does not decrypt.
/// </summary>
internal sealed class OutboxContentCipher(IMasterKeyProvider masterKey) : IDisposable
{
    private readonly Lazy<byte[]> key = new(() => masterKey.DeriveKey(PurposeKeys.Outbox));

    public byte[] Encrypt(Guid outboxMailId, MailContent content)
    {
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(content);
        try
        {
            return ValueCipher.Encrypt(key.Value, plaintext, EncryptionPurpose.OutboxMail, outboxMailId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public MailContent Decrypt(Guid outboxMailId, byte[] ciphertext)
    {
        var plaintext = ValueCipher.Decrypt(key.Value, ciphertext, EncryptionPurpose.OutboxMail, outboxMailId);
        try
        {
            return JsonSerializer.Deserialize<MailContent>(plaintext) ?? throw new DecryptionFailedException();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public void Dispose()
    {
        if (key.IsValueCreated)
        {
            CryptographicOperations.ZeroMemory(key.Value);
        }
    }
}

/// <summary>A mail's content; <see cref="FromName"/> is null in mails queued before it existed.</summary>
internal sealed record MailContent(string Subject, string TextBody, string HtmlBody, string? FromName = null);
