using System.Net.Sockets;
using ConnectidMail.Crypto;
using ConnectidMail.Mail;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace ConnectidMail.UnitTests.Mail;

public sealed class DeliveryFailureTests
{
    private static readonly MailboxAddress Mailbox = MailboxAddress.Parse("someone@example.org");

    [Theory]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, true)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxNameNotAllowed, true)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxBusy, false)]
    [InlineData(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxUnavailable, false)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, false)]
    public void Only_a_5xx_refusal_of_the_recipient_is_permanent(SmtpErrorCode error, SmtpStatusCode status, bool permanent) =>
        Assert.Equal(permanent, DeliveryFailure.IsPermanent(new SmtpCommandException(error, status, Mailbox, "refused")));

    [Fact]
    public void Descriptions_hold_codes_and_kinds_but_no_server_reply()
    {
        var reply = "5.1.1 <someone@example.org>: unknown user; your link https://portal.example/r/token";

        Assert.Equal("SMTP 550 (RecipientNotAccepted)",
            DeliveryFailure.Describe(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, Mailbox, reply)));
        Assert.Equal("SMTP protocol error", DeliveryFailure.Describe(new SmtpProtocolException(reply)));
        Assert.Equal("SMTP authentication failed", DeliveryFailure.Describe(new AuthenticationException(reply)));
        Assert.Equal("Connection failed (ConnectionRefused)",
            DeliveryFailure.Describe(new MailServerUnreachableException(new SocketException((int)SocketError.ConnectionRefused))));
        Assert.Equal("Connection failed (TimedOut)", DeliveryFailure.Describe(new IOException(reply, new SocketException((int)SocketError.TimedOut))));
        Assert.Equal("Timed out", DeliveryFailure.Describe(new TimeoutException(reply)));
        Assert.Equal("The stored content cannot be decrypted", DeliveryFailure.Describe(new DecryptionFailedException()));
        Assert.Equal("InvalidOperationException", DeliveryFailure.Describe(new InvalidOperationException(reply)));
    }

    [Theory]
    [InlineData(SmtpSecurity.Auto, SecureSocketOptions.Auto)]
    [InlineData(SmtpSecurity.StartTls, SecureSocketOptions.StartTls)]
    [InlineData(SmtpSecurity.SslOnConnect, SecureSocketOptions.SslOnConnect)]
    [InlineData(SmtpSecurity.None, SecureSocketOptions.None)]
    public void Each_security_setting_maps_to_its_MailKit_option(SmtpSecurity setting, SecureSocketOptions expected) =>
        Assert.Equal(expected, SmtpMailTransport.SocketOptions(setting));
}
