using Microsoft.Extensions.Options;

namespace ConnectidMail.Verification;

/// <summary>One-time code rules (<c>Verification:*</c>); the defaults follow ASVS 5.0 and NIST SP 800-63B.</summary>
public sealed class VerificationOptions
{
    public const string Section = "Verification";

    public int CodeLifetimeMinutes { get; set; } = 10;

    /// <summary>Wrong tries that kill a code: the next attempt is refused even with the right code.</summary>
    public int MaxWrongTries { get; set; } = 5;

    /// <summary>Code mails (new or re-sent) per recipient address per hour.</summary>
    public int MaxCodesPerHour { get; set; } = 5;

    /// <summary>Code mails per client IP per hour, over all addresses.</summary>
    public int MaxCodesPerIpPerHour { get; set; } = 20;

    public TimeSpan CodeLifetime => TimeSpan.FromMinutes(CodeLifetimeMinutes);
}

internal sealed class VerificationOptionsValidator : IValidateOptions<VerificationOptions>
{
    public ValidateOptionsResult Validate(string? name, VerificationOptions options)
    {
        var failures = new List<string>();
        if (options.CodeLifetimeMinutes is < 1 or > 60)
        {
            failures.Add($"Verification:CodeLifetimeMinutes must be between 1 and 60 (is {options.CodeLifetimeMinutes}).");
        }

        if (options.MaxWrongTries is < 1 or > 10)
        {
            failures.Add($"Verification:MaxWrongTries must be between 1 and 10 (is {options.MaxWrongTries}).");
        }

        if (options.MaxCodesPerHour < 1 || options.MaxCodesPerIpPerHour < 1)
        {
            failures.Add("Verification:MaxCodesPerHour and Verification:MaxCodesPerIpPerHour must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
