namespace ConnectidMail.Mail;

/// <summary>How mails leave the portal. No SMTP host means mails are written to the pickup folder.</summary>
public sealed class MailOptions
{
    public const string Section = "Mail";

    public SmtpOptions Smtp { get; set; } = new();

    public string From { get; set; } = "ConnectidMail <no-reply@localhost>";

    /// <summary>Outside Development the pickup folder must be allowed explicitly: its files hold live codes and links.</summary>
    public bool AllowPickupFolder { get; set; }

    public bool UsesPickupFolder => string.IsNullOrWhiteSpace(Smtp.Host);
}

public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Auto (STARTTLS when offered), StartTls, SslOnConnect or None; kept as text so a typo gets a clear message.</summary>
    public string Security { get; set; } = nameof(SmtpSecurity.Auto);

    public SmtpSecurity ParsedSecurity => Enum.Parse<SmtpSecurity>(Security, ignoreCase: true);
}

public enum SmtpSecurity
{
    Auto,
    StartTls,
    SslOnConnect,
    None,
}
