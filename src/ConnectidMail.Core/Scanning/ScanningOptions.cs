using System.Globalization;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Scanning;

/// <summary>Malware scanning of uploads (<c>Scanning:*</c>); off unless a scanner is configured.</summary>
public sealed class ScanningOptions
{
    public const string Section = "Scanning";

    public ClamAvOptions ClamAv { get; set; } = new();
}

/// <summary>A clamd daemon reached over TCP (<c>Scanning:ClamAv:*</c>).</summary>
public sealed class ClamAvOptions
{
    public const int DefaultPort = 3310;

    /// <summary>clamd's host; scanning with ClamAV is off when empty.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = DefaultPort;

    /// <summary>How long connecting, each write and waiting for the verdict may take before the file is refused as unchecked.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);
}

internal sealed class ScanningOptionsValidator : IValidateOptions<ScanningOptions>
{
    private const int MaxTimeoutSeconds = 3600;

    public ValidateOptionsResult Validate(string? name, ScanningOptions options)
    {
        var failures = new List<string>();
        if (options.ClamAv.Port is < 1 or > 65535)
        {
            failures.Add($"Scanning:ClamAv:Port {options.ClamAv.Port.ToString(CultureInfo.InvariantCulture)} is out of range; use 1 to 65535.");
        }

        if (options.ClamAv.TimeoutSeconds is < 1 or > MaxTimeoutSeconds)
        {
            failures.Add($"Scanning:ClamAv:TimeoutSeconds {options.ClamAv.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)} is out of range; use 1 to {MaxTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
