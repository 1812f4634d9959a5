using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using ConnectidMail.Crypto;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace ConnectidMail.Web.KeyRing;

/// <summary>
/// Encrypts DataProtection keys (which protect cookies and antiforgery tokens) with AES-256-GCM under a key derived
/// from the master key, so the key ring in the database is useless without the master key.
/// </summary>
internal sealed class MasterKeyXmlEncryptor(IMasterKeyProvider masterKey) : IXmlEncryptor
{
    internal const string OwnerId = "dataprotection-key-ring";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var key = masterKey.DeriveKey(PurposeKeys.DataProtection);
        try
        {
            var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
            var sealedXml = ValueCipher.Encrypt(key, plaintext, EncryptionPurpose.DataProtectionKeyRing, OwnerId);
            CryptographicOperations.ZeroMemory(plaintext);
            var element = new XElement(
                "encryptedKey",
                new XComment(" AES-256-GCM under a key derived from the ConnectidMail master key. "),
                new XElement("value", Convert.ToBase64String(sealedXml)));
            return new EncryptedXmlInfo(element, typeof(MasterKeyXmlDecryptor));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}

/// <summary>Created by DataProtection through its <see cref="IServiceProvider"/> constructor.</summary>
internal sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var sealedXml = Convert.FromBase64String((string?)encryptedElement.Element("value") ?? "");
        var key = services.GetRequiredService<IMasterKeyProvider>().DeriveKey(PurposeKeys.DataProtection);
        try
        {
            var plaintext = ValueCipher.Decrypt(key, sealedXml, EncryptionPurpose.DataProtectionKeyRing, MasterKeyXmlEncryptor.OwnerId);
            try
            {
                return XElement.Parse(Encoding.UTF8.GetString(plaintext));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
