using ConnectidMail.Crypto;
using ConnectidMail.Storage;

namespace ConnectidMail.Messaging;

/// <summary>Opens a stored attachment for download, for its sender and its recipients alike.</summary>
internal static class AttachmentReader
{
    /// <summary>The decrypted name and a seekable plaintext view of the blob; the stream keeps its own file key, so the caller may zero the DEK.</summary>
    public static AttachmentContent Open(BlobStore blobs, byte[] dataKey, Attachment attachment)
    {
        var blob = attachment.BlobName ?? throw new InvalidOperationException("The attachment's file was deleted.");
        var name = ValueCipher.DecryptText(dataKey, attachment.EncryptedName, EncryptionPurpose.FileName, attachment.Id);
        var source = blobs.OpenRead(BlobName.Parse(blob));
        try
        {
            return new AttachmentContent(name, attachment.Size, AttachmentCipher.OpenRandomAccess(source, dataKey, attachment.Id));
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }
}
