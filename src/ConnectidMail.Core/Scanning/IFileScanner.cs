namespace ConnectidMail.Scanning;

/// <summary>A malware scanner that checks a file while it streams (no plaintext copy is kept for it).</summary>
public interface IFileScanner
{
    /// <summary>What and where the scanner is, for admins ("ClamAV at host:port").</summary>
    string Description { get; }

    /// <summary>Starts checking one file. Never throws for an unreachable scanner: the scan then reports <see cref="ScanVerdict.Failed"/>.</summary>
    Task<IFileScan> BeginAsync(CancellationToken cancellationToken);
}

/// <summary>One file being checked: its bytes in order, then the verdict.</summary>
public interface IFileScan : IAsyncDisposable
{
    /// <summary>The next bytes of the file. Returns a final result early (a failure, such as the scanner's size limit), else null.</summary>
    ValueTask<ScanResult?> WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);

    /// <summary>The end of the file: the verdict.</summary>
    Task<ScanResult> CompleteAsync(CancellationToken cancellationToken);
}

public enum ScanVerdict
{
    Clean,
    Infected,
    Failed,
}

/// <summary>
/// A scan's outcome: <see cref="Signature"/> names what an infected file holds; <see cref="Failure"/> says why a failed
/// scan could not decide (never file content); <see cref="TooLarge"/> when the scanner refused the file for its size.
/// </summary>
public sealed record ScanResult(ScanVerdict Verdict, string? Signature = null, string? Failure = null, bool TooLarge = false)
{
    public static ScanResult Clean { get; } = new(ScanVerdict.Clean);

    public static ScanResult Infected(string signature) => new(ScanVerdict.Infected, Signature: signature);

    public static ScanResult Failed(string failure, bool tooLarge = false) => new(ScanVerdict.Failed, Failure: failure, TooLarge: tooLarge);
}
