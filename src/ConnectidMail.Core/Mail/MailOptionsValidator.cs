using System.Net.Mail;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Mail;

internal sealed class MailOptionsValidator(IHostEnvironment environment) : IValidateOptions<MailOptions>
{
    public ValidateOptionsResult Validate(string? name, MailOptions options)
    {
        var failures = new List<string>();
        if (options.UsesPickupFolder && !options.AllowPickupFolder && !environment.IsDevelopment())
        {
            failures.Add("Mail:Smtp:Host is not set. Outside Development set an SMTP host, or set Mail:AllowPickupFolder=true "
                + "to write mails (which hold live codes and links) to the mail-outbox folder.");
        }

        if (!Enum.TryParse<SmtpSecurity>(options.Smtp.Security, ignoreCase: true, out _) || int.TryParse(options.Smtp.Security, out _))
        {
            failures.Add($"Mail:Smtp:Security '{options.Smtp.Security}' is unknown; use one of {string.Join(", ", Enum.GetNames<SmtpSecurity>())}.");
        }

        if (options.Smtp.Port is < 1 or > 65535)
        {
            failures.Add($"Mail:Smtp:Port {options.Smtp.Port} is not a TCP port.");
        }

        if (!MailAddress.TryCreate(options.From, out _))
        {
            failures.Add($"Mail:From '{options.From}' is not a mail address.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
