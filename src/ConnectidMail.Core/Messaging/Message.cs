using ConnectidMail.Staff;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Messaging;

/// <summary>
/// A message a staff member sent. Its subject, body, access code and file names are encrypted under the message's own
/// data key (DEK); expiry shreds that key, after which only the metadata and receipts remain.
/// </summary>
public sealed class Message
{
    /// <summary>Random (version 4), so ids in URLs cannot be guessed.</summary>
    public Guid Id { get; set; }

    public required string SenderId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public bool RequirePasskey { get; set; }

    /// <summary>Null once the content was shredded.</summary>
    public byte[]? EncryptedSubject { get; set; }

    public byte[]? EncryptedBody { get; set; }

    /// <summary>The optional access code the sender gives the recipient by another channel; null when none was set.</summary>
    public byte[]? EncryptedAccessCode { get; set; }

    public bool HasAccessCode { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>When expiry shredded the content (the DEK is gone, the files deleted).</summary>
    public DateTimeOffset? ContentShreddedAt { get; set; }

    public List<MessageRecipient> Recipients { get; set; } = [];

    public List<Attachment> Attachments { get; set; } = [];
}

/// <summary>One recipient of a message, with the receipts the sender sees.</summary>
public sealed class MessageRecipient
{
    public const int MaxEmailLength = 254;

    public Guid Id { get; set; }

    public Guid MessageId { get; set; }

    /// <summary>The order the sender gave the addresses in.</summary>
    public int Position { get; set; }

    public required string Email { get; set; }

    /// <summary>Upper-case form for matching a recipient across messages.</summary>
    public required string NormalizedEmail { get; set; }

    /// <summary>SHA-256 of the link token; the token itself exists only in the notification mail.</summary>
    public required byte[] LinkTokenHash { get; set; }

    public DateTimeOffset? NotifiedAt { get; set; }

    public DateTimeOffset? DeliveryFailedAt { get; set; }

    public DateTimeOffset? VerifiedAt { get; set; }

    /// <summary>How the recipient was last verified before reaching this message (<see cref="Verification.VerificationMethods"/>).</summary>
    public string? VerifiedBy { get; set; }

    public DateTimeOffset? FirstOpenedAt { get; set; }

    public DateTimeOffset? LastOpenedAt { get; set; }

    public int OpenCount { get; set; }

    public DateTimeOffset? RepliedAt { get; set; }

    /// <summary>Wrong access codes entered by this recipient; at the limit the message stays closed to them.</summary>
    public int AccessCodeFailures { get; set; }
}

/// <summary>A receipt: a recipient downloaded an attachment.</summary>
public sealed class AttachmentDownload
{
    public long Id { get; set; }

    public Guid RecipientId { get; set; }

    public Guid AttachmentId { get; set; }

    public Guid? SessionId { get; set; }

    public DateTimeOffset DownloadedAt { get; set; }
}

/// <summary>A file of a message: its ciphertext is a blob, its name is encrypted, its size is the plaintext size.</summary>
public sealed class Attachment
{
    public Guid Id { get; set; }

    public Guid MessageId { get; set; }

    public int Position { get; set; }

    public required byte[] EncryptedName { get; set; }

    public long Size { get; set; }

    /// <summary>Null once the blob was deleted (after the content was shredded).</summary>
    public string? BlobName { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> builder)
    {
        builder.ToTable("Messages");
        builder.Property(m => m.Id).ValueGeneratedNever();
        builder.Property(m => m.SenderId).HasMaxLength(450);
        builder.HasOne<StaffUser>().WithMany().HasForeignKey(m => m.SenderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(m => new { m.SenderId, m.CreatedAt });
        builder.HasIndex(m => new { m.ContentShreddedAt, m.ExpiresAt });
        builder.HasMany(m => m.Recipients).WithOne().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(m => m.Attachments).WithOne().HasForeignKey(a => a.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MessageRecipientConfiguration : IEntityTypeConfiguration<MessageRecipient>
{
    public void Configure(EntityTypeBuilder<MessageRecipient> builder)
    {
        builder.ToTable("MessageRecipients");
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.Email).HasMaxLength(MessageRecipient.MaxEmailLength);
        builder.Property(r => r.NormalizedEmail).HasMaxLength(MessageRecipient.MaxEmailLength);
        builder.Property(r => r.VerifiedBy).HasMaxLength(16);
        builder.HasIndex(r => r.LinkTokenHash).IsUnique();
        builder.HasIndex(r => r.NormalizedEmail);
        builder.HasIndex(r => new { r.MessageId, r.Position }).IsUnique();
    }
}

internal sealed class AttachmentDownloadConfiguration : IEntityTypeConfiguration<AttachmentDownload>
{
    public void Configure(EntityTypeBuilder<AttachmentDownload> builder)
    {
        builder.ToTable("AttachmentDownloads");
        builder.HasIndex(d => new { d.AttachmentId, d.DownloadedAt });
        builder.HasOne<MessageRecipient>().WithMany().HasForeignKey(d => d.RecipientId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Attachment>().WithMany().HasForeignKey(d => d.AttachmentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AttachmentConfiguration : IEntityTypeConfiguration<Attachment>
{
    public void Configure(EntityTypeBuilder<Attachment> builder)
    {
        builder.ToTable("Attachments");
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.BlobName).HasMaxLength(32);
        builder.HasIndex(a => new { a.MessageId, a.Position }).IsUnique();
    }
}
