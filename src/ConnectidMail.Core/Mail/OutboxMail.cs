using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Mail;

/// <summary>
/// One mail waiting in, or done with, the transactional outbox. It is written in the same transaction as the action
/// that causes it and handed to SMTP (or the pickup folder) by <see cref="OutboxDispatcher"/>.
/// </summary>
public sealed class OutboxMail
{
    public const int MaxKindLength = 64;
    public const int MaxRecipientLength = 320;
    public const int MaxLastErrorLength = 200;

    public Guid Id { get; set; }

    /// <summary>
    /// The RFC 5322 Message-ID (without angle brackets), fixed when the mail is queued so that every attempt carries the
    /// same one and mail systems can drop the rare duplicate after a crash between SMTP accepting and the record of it.
    /// </summary>
    public required string MessageId { get; set; }

    /// <summary>
    /// The bare recipient address. Kept in plain form: operations need it (bounces, support), and unlike the content it
    /// holds no link or code.
    /// </summary>
    public required string Recipient { get; set; }

    /// <summary>What the mail is for (for instance "notification" or "code"), so listeners can tell mails apart.</summary>
    public required string Kind { get; set; }

    /// <summary>What the mail belongs to (for instance a message recipient), handed to <see cref="IOutboxDeliveryListener"/>.</summary>
    public Guid? CorrelationId { get; set; }

    /// <summary>Subject, text and HTML, encrypted under the outbox key and bound to <see cref="Id"/>; empty once the mail is done.</summary>
    public byte[] EncryptedContent { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the next attempt is due; null once the mail was sent or given up.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>A short description of the last failure: a status code or error kind, never content or server replies.</summary>
    public string? LastError { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public DateTimeOffset? FailedAt { get; set; }

    /// <summary>Until when a dispatcher holds the mail; no other dispatcher claims it before then.</summary>
    public DateTimeOffset? LockedUntil { get; set; }

    /// <summary>Which claim holds the mail, so a dispatcher whose lease ran out cannot overwrite a newer claim's outcome.</summary>
    public Guid? LeaseToken { get; set; }
}

internal sealed class OutboxMailConfiguration : IEntityTypeConfiguration<OutboxMail>
{
    public void Configure(EntityTypeBuilder<OutboxMail> builder)
    {
        builder.ToTable("OutboxMails");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedNever();
        builder.Property(m => m.MessageId).HasMaxLength(255);
        builder.Property(m => m.Recipient).HasMaxLength(OutboxMail.MaxRecipientLength);
        builder.Property(m => m.Kind).HasMaxLength(OutboxMail.MaxKindLength);
        builder.Property(m => m.LastError).HasMaxLength(OutboxMail.MaxLastErrorLength);
        // Sent and failed mails have no next attempt, so the dispatcher's query only walks the pending ones.
        builder.HasIndex(m => m.NextAttemptAt);
    }
}
