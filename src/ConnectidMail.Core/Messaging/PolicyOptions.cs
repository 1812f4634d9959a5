using Microsoft.Extensions.Options;

namespace ConnectidMail.Messaging;

/// <summary>The organisation's limits for messages and replies (<c>Policy:*</c>).</summary>
public sealed class PolicyOptions
{
    public const string Section = "Policy";

    public int MaxRecipients { get; set; } = 50;

    public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>All files of one message or reply together.</summary>
    public long MaxMessageBytes { get; set; } = 250L * 1024 * 1024;

    public int MaxFiles { get; set; } = 20;

    public int DefaultExpiryDays { get; set; } = 30;

    public int MaxExpiryDays { get; set; } = 365;

    /// <summary>File extensions accepted in uploads, checked against the content; empty allows every type but executables and scripts.</summary>
    public List<string> AllowedFileTypes { get; set; } = [];

    /// <summary>Whether the notification mail may show the message's subject (off: the subject is content too).</summary>
    public bool SubjectInNotification { get; set; }

    /// <summary>
    /// The most request bytes an upload of a whole message may take: every file at its limit plus room for the message
    /// part and the multipart framing. Kestrel's request-size limit follows this, so raising a policy limit is enough.
    /// </summary>
    public long MaxUploadRequestBytes => MaxMessageBytes + (4L * 1024 * 1024) + (MaxFiles * 16L * 1024);
}

internal sealed class PolicyOptionsValidator : IValidateOptions<PolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicyOptions options)
    {
        var failures = new List<string>();
        if (options.MaxRecipients < 1)
        {
            failures.Add($"Policy:MaxRecipients must be at least 1 (is {options.MaxRecipients}).");
        }

        if (options.MaxFiles < 0)
        {
            failures.Add($"Policy:MaxFiles must not be negative (is {options.MaxFiles}).");
        }

        if (options.MaxFileBytes < 1 || options.MaxMessageBytes < 1)
        {
            failures.Add("Policy:MaxFileBytes and Policy:MaxMessageBytes must be at least 1.");
        }

        if (options.DefaultExpiryDays < 1 || options.MaxExpiryDays < 1)
        {
            failures.Add("Policy:DefaultExpiryDays and Policy:MaxExpiryDays must be at least 1.");
        }
        else if (options.DefaultExpiryDays > options.MaxExpiryDays)
        {
            failures.Add($"Policy:DefaultExpiryDays ({options.DefaultExpiryDays}) must not exceed Policy:MaxExpiryDays ({options.MaxExpiryDays}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
