using ConnectidMail.Uploads;
using Microsoft.Extensions.Configuration;
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

    /// <summary>File extensions (lower case, no dot) accepted in uploads, each checked against the file's content.</summary>
    public List<string> AllowedFileTypes { get; set; } = [.. FileTypes.DefaultAllowed];

    /// <summary>Whether the notification mail may show the message's subject (off: the subject is content too).</summary>
    public bool SubjectInNotification { get; set; }

    /// <summary>
    /// The most request bytes an upload of a whole message may take: every file at its limit plus room for the message
    /// part and the multipart framing. Kestrel's request-size limit follows this, so raising a policy limit is enough.
    /// </summary>
    public long MaxUploadRequestBytes => MaxMessageBytes + (4L * 1024 * 1024) + (MaxFiles * 16L * 1024);
}

/// <summary>
/// Reads <c>Policy:AllowedFileTypes</c> by hand: the configuration binder appends to the default list instead of
/// replacing it, and one comma-separated value (<c>pdf,docx,png</c>) is easier to give in an environment variable than
/// numbered entries. Extensions are kept lower case without their dot.
/// </summary>
internal sealed class AllowedFileTypesSetup(IConfiguration configuration) : IConfigureOptions<PolicyOptions>
{
    public void Configure(PolicyOptions options)
    {
        var setting = configuration.GetSection(PolicyOptions.Section).GetSection(nameof(PolicyOptions.AllowedFileTypes));
        var given = setting.GetChildren().Select(c => c.Value ?? "").ToList();
        if (given.Count == 0 && setting.Value is { } list)
        {
            given = [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries)];
        }

        options.AllowedFileTypes = setting.Exists() ? [.. given.Select(FileTypes.Normalize).Distinct()] : [.. FileTypes.DefaultAllowed];
    }
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

        if (options.AllowedFileTypes.Count == 0)
        {
            failures.Add("Policy:AllowedFileTypes names no file type; give extensions such as pdf,docx,png (comma-separated), or leave it out for the default list.");
        }

        foreach (var extension in options.AllowedFileTypes.Where(e => !FileTypes.IsWellFormed(e)))
        {
            failures.Add($"Policy:AllowedFileTypes '{extension}' is not a file extension; use letters and digits only (pdf, docx, 7z).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
