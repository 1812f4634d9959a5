using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Audit;

/// <summary>When checkpoints are made and where they are witnessed (<c>Audit:*</c>).</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>A checkpoint once this many events were appended after the last one.</summary>
    public int CheckpointEveryEvents { get; set; } = 1000;

    /// <summary>A checkpoint once the oldest event no checkpoint covers is this many minutes old (never without new events).</summary>
    public int CheckpointEveryMinutes { get; set; } = 60;

    /// <summary>An address outside the operator's reach that receives every checkpoint; none when empty.</summary>
    public string? WitnessEmail { get; set; }

    public TimeSpan CheckpointInterval => TimeSpan.FromMinutes(CheckpointEveryMinutes);
}

internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public const int MaxEvents = 1_000_000;
    public const int MaxMinutes = 7 * 24 * 60;

    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var failures = new List<string>();
        if (options.CheckpointEveryEvents is < 1 or > MaxEvents)
        {
            failures.Add($"Audit:CheckpointEveryEvents {options.CheckpointEveryEvents} must be from 1 to {MaxEvents}.");
        }

        if (options.CheckpointEveryMinutes is < 1 or > MaxMinutes)
        {
            failures.Add($"Audit:CheckpointEveryMinutes {options.CheckpointEveryMinutes} must be from 1 to {MaxMinutes} (a week).");
        }

        if (!string.IsNullOrWhiteSpace(options.WitnessEmail)
            && (!MailAddress.TryCreate(options.WitnessEmail, out var witness) || witness.Address != options.WitnessEmail.Trim()))
        {
            failures.Add($"Audit:WitnessEmail '{options.WitnessEmail}' is not a plain mail address (user@example.org).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
