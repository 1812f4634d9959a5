using MimeKit;

namespace ConnectidMail.Branding;

/// <summary>Checks the support contact an admin gives, so what recipients see is an address, number or web page and nothing else.</summary>
public static class SupportContact
{
    public static bool IsEmail(string value) =>
        value.Length <= OrganisationBranding.MaxContactLength
        && !value.AsSpan().ContainsAny('\r', '\n')
        && MailboxAddress.TryParse(value, out var mailbox)
        && mailbox.Address == value
        && mailbox.Domain.Contains('.', StringComparison.Ordinal);

    /// <summary>Digits with an optional leading +, spaces, dashes, dots and brackets; 6 to 20 digits.</summary>
    public static bool IsPhone(string value)
    {
        var digits = value.Count(char.IsAsciiDigit);
        return value.Length <= 32
            && digits is >= 6 and <= 20
            && value.Select((c, i) => char.IsAsciiDigit(c) || c is ' ' or '-' or '.' or '(' or ')' || (c == '+' && i == 0)).All(ok => ok);
    }

    /// <summary>An absolute https address without user name: recipients can trust where it leads.</summary>
    public static bool IsUrl(string value) =>
        value.Length <= OrganisationBranding.MaxContactLength
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttps
        && string.IsNullOrEmpty(uri.UserInfo)
        && !string.IsNullOrEmpty(uri.Host);
}
