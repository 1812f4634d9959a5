using System.Net.Sockets;
using ConnectidMail.Crypto;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace ConnectidMail.Mail;

/// <summary>Classifies and names a failed hand-over, for the outbox row and the log.</summary>
internal static class DeliveryFailure
{
    /// <summary>The recipient's server refused the address for good (5xx on RCPT TO): retrying cannot help.</summary>
    public static bool IsPermanent(Exception failure) =>
        failure is SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } rejection && (int)rejection.StatusCode >= 500;

    /// <summary>
    /// A short description built from codes and error kinds only. Server replies are left out: they may echo addresses
    /// or parts of the mail, and this text goes to the log and the database.
    /// </summary>
    public static string Describe(Exception failure) => failure switch
    {
        MailServerUnreachableException unreachable => Describe(unreachable.InnerException!),
        SmtpCommandException command => $"SMTP {(int)command.StatusCode} ({command.ErrorCode})",
        SmtpProtocolException => "SMTP protocol error",
        AuthenticationException => "SMTP authentication failed",
        SslHandshakeException => "TLS handshake failed",
        ServiceNotConnectedException => "Not connected to the SMTP server",
        SocketException socket => $"Connection failed ({socket.SocketErrorCode})",
        TimeoutException or OperationCanceledException => "Timed out",
        DecryptionFailedException => "The stored content cannot be decrypted",
        IOException io when io.InnerException is SocketException socket => $"Connection failed ({socket.SocketErrorCode})",
        IOException => "I/O error",
        _ => failure.GetType().Name,
    };
}

/// <summary>The SMTP server could not be reached or refused the login: no mail of the batch can go out now.</summary>
internal sealed class MailServerUnreachableException(Exception inner) : Exception("The SMTP server could not be reached.", inner);
