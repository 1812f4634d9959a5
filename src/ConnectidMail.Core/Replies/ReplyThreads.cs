using ConnectidMail.Crypto;
using ConnectidMail.Messaging;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Replies;

/// <summary>Reads the threads of a message: all of them for its sender, one recipient's for that recipient.</summary>
internal static class ReplyThreads
{
    /// <summary>
    /// The replies of the message (only <paramref name="recipientId"/>'s thread when given), oldest first; entries of one
    /// thread written at the same moment keep their order. Few rows per message: ordered here, where every provider
    /// agrees on times.
    /// </summary>
    public static async Task<List<Reply>> LoadAsync(ConnectidDbContext db, Guid messageId, Guid? recipientId, CancellationToken cancellationToken)
    {
        var query = db.Replies.AsNoTracking().Include(r => r.Attachments).Where(r => r.MessageId == messageId);
        if (recipientId is { } id)
        {
            query = query.Where(r => r.RecipientId == id);
        }

        return [.. (await query.ToListAsync(cancellationToken)).OrderBy(r => r.CreatedAt).ThenBy(r => r.Number)];
    }

    /// <summary>Decrypts the replies; with an empty <paramref name="dataKey"/> (content shredded) bodies and file names are null.</summary>
    public static List<ReplyView> ToViews(
        IEnumerable<Reply> replies, ReadOnlySpan<byte> dataKey, IReadOnlyDictionary<Guid, string> recipientEmails, string senderEmail)
    {
        var views = new List<ReplyView>();
        foreach (var reply in replies)
        {
            var attachments = new List<AttachmentView>(reply.Attachments.Count);
            foreach (var file in reply.Attachments.OrderBy(a => a.Position))
            {
                attachments.Add(new AttachmentView(
                    file.Id, dataKey.IsEmpty ? null : ValueCipher.DecryptText(dataKey, file.EncryptedName, EncryptionPurpose.FileName, file.Id), file.Size));
            }

            var recipient = recipientEmails.GetValueOrDefault(reply.RecipientId, "");
            views.Add(new ReplyView(
                reply.Id,
                reply.FromSender ? senderEmail : recipient,
                reply.CreatedAt,
                dataKey.IsEmpty || reply.EncryptedBody is null ? null : ValueCipher.DecryptText(dataKey, reply.EncryptedBody, EncryptionPurpose.Reply, reply.Id),
                attachments,
                recipient,
                reply.RecipientId,
                reply.FromSender ? ReplyAuthors.Sender : ReplyAuthors.Recipient));
        }

        return views;
    }
}
