using ConnectidMail.Crypto;
using ConnectidMail.Storage;

namespace ConnectidMail.Messaging;

/// <summary>Opens a stored attachment for download, for its sender and its recipients alike.</summary>
internal static class AttachmentReader
{
    /// <summary>The decrypted name and a seekable plaintext view of the blob; the stream keeps its own file key, so the caller may zero the DEK.</summary>
    public static AttachmentContent Open(BlobStore blobs, byte[] dataKey, Attachment attachment) =>
        Open(blobs, dataKey, attachment.Id, attachment.EncryptedName, attachment.Size, attachment.BlobName);

    /// <summary>The same for any stored file (a message's or a reply's): name and content are bound to <paramref name="attachmentId"/>.</summary>
    public static AttachmentContent Open(BlobStore blobs, byte[] dataKey, Guid attachmentId, byte[] encryptedName, long size, string? blobName)
    {
        var blob = blobName ?? throw new InvalidOperationException("The attachment's file was deleted.");
        var name = ValueCipher.DecryptText(dataKey, encryptedName, EncryptionPurpose.FileName, attachmentId);
        var source = blobs.OpenRead(BlobName.Parse(blob));
        try
        {
            return new AttachmentContent(name, size, AttachmentCipher.OpenRandomAccess(source, dataKey, attachmentId));
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }
}
