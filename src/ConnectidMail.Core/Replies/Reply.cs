using ConnectidMail.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Replies;

/// <summary>
/// One entry in the thread of a message and one of its recipients: written by that recipient, or by the sender answering
/// them. Other recipients of the message never see it. The body is encrypted under the message's data key and bound to
/// the reply's id, so expiry shreds it with the message.
/// </summary>
public sealed class Reply
{
    /// <summary>Random (version 4), so ids in URLs cannot be guessed.</summary>
    public Guid Id { get; set; }

    public Guid MessageId { get; set; }

    /// <summary>The thread: the recipient the conversation is with.</summary>
    public Guid RecipientId { get; set; }

    /// <summary>1, 2, 3… within the thread: the order both sides read it in (times can be equal).</summary>
    public int Number { get; set; }

    /// <summary>True when the sender wrote it (answering the recipient), false when the recipient did.</summary>
    public bool FromSender { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Null once the content was shredded.</summary>
    public byte[]? EncryptedBody { get; set; }

    public List<ReplyAttachment> Attachments { get; set; } = [];
}

/// <summary>A file of a reply: ciphertext in a blob (streaming AEAD bound to the attachment id), an encrypted name, the plaintext size.</summary>
public sealed class ReplyAttachment
{
    public Guid Id { get; set; }

    public Guid ReplyId { get; set; }

    public int Position { get; set; }

    public required byte[] EncryptedName { get; set; }

    public long Size { get; set; }

    /// <summary>Null once the blob was deleted (after the content was shredded).</summary>
    public string? BlobName { get; set; }
}

internal sealed class ReplyConfiguration : IEntityTypeConfiguration<Reply>
{
    public void Configure(EntityTypeBuilder<Reply> builder)
    {
        builder.ToTable("Replies");
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.HasOne<Message>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<MessageRecipient>().WithMany().HasForeignKey(r => r.RecipientId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.RecipientId, r.Number }).IsUnique();
        builder.HasIndex(r => r.MessageId);
        builder.HasMany(r => r.Attachments).WithOne().HasForeignKey(a => a.ReplyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ReplyAttachmentConfiguration : IEntityTypeConfiguration<ReplyAttachment>
{
    public void Configure(EntityTypeBuilder<ReplyAttachment> builder)
    {
        builder.ToTable("ReplyAttachments");
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.BlobName).HasMaxLength(32);
        builder.HasIndex(a => new { a.ReplyId, a.Position }).IsUnique();
    }
}
