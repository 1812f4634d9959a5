using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Scanning;

/// <summary>
/// Scans with clamd over TCP using its <c>zINSTREAM</c> command: the file goes as chunks, each preceded by its length
/// (4 bytes, big-endian), a zero length ends it, and clamd answers <c>stream: OK</c>, <c>stream: NAME FOUND</c> or an
/// error such as <c>INSTREAM size limit exceeded. ERROR</c> (its StreamMaxLength), each ended by a NUL byte.
/// </summary>
public sealed class ClamAvScanner(IOptions<ScanningOptions> options) : IFileScanner
{
    private ClamAvOptions Settings => options.Value.ClamAv;

    public string Description => $"ClamAV at {Settings.Host}:{Settings.Port}";

    public async Task<IFileScan> BeginAsync(CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            using (var timeout = Timeout(cancellationToken))
            {
                await client.ConnectAsync(Settings.Host!, Settings.Port, timeout.Token);
                await client.GetStream().WriteAsync("zINSTREAM\0"u8.ToArray(), timeout.Token);
            }

            return new ClamAvScan(client, Settings.Timeout);
        }
        catch (Exception e) when (ClamAvScan.IsScannerFault(e, cancellationToken))
        {
            client.Dispose();
            return new FailedScan(ScanResult.Failed($"{Description} could not be reached ({ClamAvScan.Describe(e)})."));
        }
    }

    private CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(Settings.Timeout);
        return source;
    }

    /// <summary>A scan that failed before it began; it says so at the first chance.</summary>
    private sealed class FailedScan(ScanResult failure) : IFileScan
    {
        public ValueTask<ScanResult?> WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) => ValueTask.FromResult<ScanResult?>(failure);

        public Task<ScanResult> CompleteAsync(CancellationToken cancellationToken) => Task.FromResult(failure);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>One INSTREAM session on its own connection.</summary>
internal sealed class ClamAvScan(TcpClient client, TimeSpan timeout) : IFileScan
{
    /// <summary>clamd's replies are one short line; anything longer is not clamd.</summary>
    private const int MaxReplyBytes = 4096;

    private readonly NetworkStream stream = client.GetStream();
    private readonly byte[] lengthPrefix = new byte[4];
    private ScanResult? final;

    public async ValueTask<ScanResult?> WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        if (final is not null || chunk.IsEmpty)
        {
            return final;
        }

        try
        {
            using var limit = Timeout(cancellationToken);
            BinaryPrimitives.WriteUInt32BigEndian(lengthPrefix, (uint)chunk.Length);
            await stream.WriteAsync(lengthPrefix, limit.Token);
            await stream.WriteAsync(chunk, limit.Token);
            // clamd answers before the end only to refuse (its size limit) and then closes: stop at once.
            if (client.Available > 0)
            {
                final = Parse(await ReadReplyAsync(limit.Token));
            }
        }
        catch (Exception e) when (IsScannerFault(e, cancellationToken))
        {
            final = await ReplyAfterFaultAsync(e, cancellationToken);
        }

        return final;
    }

    public async Task<ScanResult> CompleteAsync(CancellationToken cancellationToken)
    {
        if (final is not null)
        {
            return final;
        }

        try
        {
            using var limit = Timeout(cancellationToken);
            await stream.WriteAsync(new byte[4], limit.Token);
            final = Parse(await ReadReplyAsync(limit.Token));
        }
        catch (Exception e) when (IsScannerFault(e, cancellationToken))
        {
            final = await ReplyAfterFaultAsync(e, cancellationToken);
        }

        return final;
    }

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Network trouble and timeouts are the scanner's fault; the caller's own cancellation is not.</summary>
    internal static bool IsScannerFault(Exception e, CancellationToken cancellationToken) =>
        e is IOException or SocketException or ObjectDisposedException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    internal static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "timed out",
        SocketException socket => socket.SocketErrorCode.ToString(),
        IOException { InnerException: SocketException socket } => socket.SocketErrorCode.ToString(),
        _ => "connection lost",
    };

    /// <summary>A clamd that refuses mid-stream closes the connection; its reply (the size limit) may still be there to read.</summary>
    private async Task<ScanResult> ReplyAfterFaultAsync(Exception fault, CancellationToken cancellationToken)
    {
        var lost = ScanResult.Failed($"The connection to ClamAV failed ({Describe(fault)}).");
        try
        {
            using var limit = Timeout(cancellationToken);
            var reply = await ReadReplyAsync(limit.Token);
            return reply.Length > 0 ? Parse(reply) : lost;
        }
        catch (Exception e) when (IsScannerFault(e, cancellationToken))
        {
            // The reply went with the connection: the first fault says what happened.
            return lost;
        }
    }

    private async Task<string> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var reply = new MemoryStream();
        var buffer = new byte[256];
        while (reply.Length < MaxReplyBytes)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            var end = Array.IndexOf(buffer, (byte)0, 0, read);
            reply.Write(buffer, 0, end >= 0 ? end : read);
            if (read == 0 || end >= 0)
            {
                break;
            }
        }

        return Encoding.UTF8.GetString(reply.GetBuffer(), 0, (int)reply.Length).Trim();
    }

    internal static ScanResult Parse(string reply)
    {
        const string Prefix = "stream: ";
        const string Found = " FOUND";
        if (reply == Prefix + "OK")
        {
            return ScanResult.Clean;
        }

        if (reply.StartsWith(Prefix, StringComparison.Ordinal) && reply.EndsWith(Found, StringComparison.Ordinal))
        {
            return ScanResult.Infected(SignatureName(reply[Prefix.Length..^Found.Length]));
        }

        if (reply.Contains("size limit exceeded", StringComparison.OrdinalIgnoreCase))
        {
            return ScanResult.Failed("The file is larger than ClamAV's StreamMaxLength.", tooLarge: true);
        }

        return ScanResult.Failed(reply.Length == 0 ? "ClamAV closed the connection without a verdict." : "ClamAV answered with an error.");
    }

    /// <summary>Signature names are short ASCII identifiers; keep them so in messages and logs.</summary>
    private static string SignatureName(string name)
    {
        var kept = new string([.. name.Where(c => c is > ' ' and < '\u007f').Take(200)]);
        return kept.Length == 0 ? "unnamed signature" : kept;
    }

    private CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(timeout);
        return source;
    }
}
