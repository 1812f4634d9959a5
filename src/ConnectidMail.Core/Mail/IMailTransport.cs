using MimeKit;

namespace ConnectidMail.Mail;

/// <summary>Where the dispatcher hands mails over: an SMTP server, or the pickup folder when no SMTP host is set.</summary>
internal interface IMailTransport : IAsyncDisposable
{
    /// <summary>Returns once the mail was accepted; throws <see cref="MailServerUnreachableException"/> when no mail can go now.</summary>
    Task SendAsync(MimeMessage message, Guid outboxMailId, CancellationToken cancellationToken);
}
