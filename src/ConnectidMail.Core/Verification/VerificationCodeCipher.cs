using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Crypto;

namespace ConnectidMail.Verification;

/// <summary>Encrypts codes under the key derived for <see cref="PurposeKeys.Codes"/>, bound to the code's row id: the database alone reveals no code.</summary>
public sealed class VerificationCodeCipher(IMasterKeyProvider masterKey)
{
    private readonly Lazy<byte[]> key = new(() => masterKey.DeriveKey(PurposeKeys.Codes));

    public byte[] Encrypt(string code, Guid codeId) => ValueCipher.EncryptText(key.Value, code, EncryptionPurpose.VerificationCode, codeId);

    public string Decrypt(byte[] ciphertext, Guid codeId)
    {
        var bytes = ValueCipher.Decrypt(key.Value, ciphertext, EncryptionPurpose.VerificationCode, codeId);
        try
        {
            return Encoding.ASCII.GetString(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
