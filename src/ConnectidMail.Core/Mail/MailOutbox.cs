using ConnectidMail.Persistence;
using Microsoft.Extensions.Options;
using MimeKit;

namespace ConnectidMail.Mail;

internal sealed class MailOutbox(ConnectidDbContext db, OutboxContentCipher cipher, IOptions<MailOptions> options, TimeProvider clock) : IMailOutbox
{
    public OutboxMail Enqueue(OutgoingMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.Subject is null || mail.TextBody is null || mail.HtmlBody is null)
        {
            throw new ArgumentException("The subject, text and HTML must be given (empty is allowed).", nameof(mail));
        }

        var recipient = ParseRecipient(mail.To);
        // Header values with line breaks could smuggle in headers of their own.
        if (mail.Subject.AsSpan().ContainsAny('\r', '\n') || mail.FromName?.AsSpan().ContainsAny('\r', '\n') == true)
        {
            throw new ArgumentException("The subject and sender name must be single lines.", nameof(mail));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(mail.Kind, nameof(mail));
        if (mail.Kind.Length > OutboxMail.MaxKindLength)
        {
            throw new ArgumentException($"The kind may have at most {OutboxMail.MaxKindLength} characters.", nameof(mail));
        }

        var id = Guid.NewGuid();
        var now = clock.GetUtcNow();
        var row = new OutboxMail
        {
            Id = id,
            MessageId = $"{id:N}@{MailboxAddress.Parse(options.Value.From).Domain}",
            Recipient = recipient,
            Kind = mail.Kind,
            CorrelationId = mail.CorrelationId,
            EncryptedContent = cipher.Encrypt(id, new MailContent(mail.Subject, mail.TextBody, mail.HtmlBody, mail.FromName)),
            CreatedAt = now,
            NextAttemptAt = now,
        };
        db.OutboxMails.Add(row);
        return row;
    }

    private static string ParseRecipient(string to)
    {
        if (string.IsNullOrWhiteSpace(to)
            || to.AsSpan().ContainsAny('\r', '\n')
            || !MailboxAddress.TryParse(to, out var mailbox)
            || string.IsNullOrEmpty(mailbox.Domain)
            || mailbox.Address.Length > OutboxMail.MaxRecipientLength)
        {
            throw new ArgumentException("The recipient is not a single mail address.", nameof(to));
        }

        return mailbox.Address;
    }
}
