using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace ConnectidMail.Mail;

/// <summary>One SMTP connection for a batch of mails, opened at the first mail and again after a broken connection.</summary>
internal sealed class SmtpMailTransport(SmtpOptions options) : IMailTransport
{
    /// <summary>Per network operation; a send is a handful of them.</summary>
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(30);

    private readonly SmtpClient client = new() { Timeout = (int)OperationTimeout.TotalMilliseconds };

    public async Task SendAsync(MimeMessage message, Guid outboxMailId, CancellationToken cancellationToken)
    {
        if (!client.IsConnected)
        {
            await ConnectAsync(cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            // The dispatcher chooses this transport only when a host is set.
            await client.ConnectAsync(options.Host!, options.Port, SocketOptions(options.ParsedSecurity), cancellationToken);
            if (!string.IsNullOrEmpty(options.Username))
            {
                await client.AuthenticateAsync(options.Username, options.Password ?? "", cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new MailServerUnreachableException(e);
        }
    }

    internal static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.Auto => SecureSocketOptions.Auto,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, "Unknown SMTP security setting."),
    };

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
        {
            try
            {
                await client.DisconnectAsync(quit: true, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or SmtpProtocolException or SmtpCommandException)
            {
                // Every mail of the batch is already recorded; a failed goodbye changes nothing.
            }
        }

        client.Dispose();
    }
}
