using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ConnectidMail.Testing;

/// <summary>How the fake clamd answers the next streams.</summary>
public enum ClamdAnswer
{
    /// <summary><c>stream: OK</c>.</summary>
    Clean,

    /// <summary><c>stream: Eicar-Signature FOUND</c> for a stream holding <see cref="FakeClamd.VirusMarker"/>, <c>stream: OK</c> for others.</summary>
    Infected,

    /// <summary>After more than <see cref="FakeClamd.StreamMaxLength"/> bytes: <c>INSTREAM size limit exceeded. ERROR</c>, as clamd does.</summary>
    SizeLimit,

    /// <summary>Closes the connection right after the command, without a word.</summary>
    Close,
}

/// <summary>
/// A clamd on 127.0.0.1 that speaks the real <c>zINSTREAM</c> framing and checks it: the command ended by NUL, chunks
/// each after a 4-byte big-endian length, a zero length at the end; replies ended by NUL. Keeps every complete stream
/// it received, and every framing mistake it saw.
/// </summary>
public sealed class FakeClamd : IAsyncDisposable
{
    public const string Signature = "Eicar-Signature";

    /// <summary>What the fake "finds" in a stream (a stand-in for the EICAR test file, which real scanners on a developer's machine would flag).</summary>
    public static readonly byte[] VirusMarker = "fake-virus-for-connectidmail-tests"u8.ToArray();

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentQueue<byte[]> streams = new();
    private readonly ConcurrentQueue<string> protocolErrors = new();
    private readonly Task accepting;
    private int connections;
    private int abandoned;

    private FakeClamd()
    {
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public ClamdAnswer Answer { get; set; } = ClamdAnswer.Clean;

    /// <summary>clamd's StreamMaxLength, for <see cref="ClamdAnswer.SizeLimit"/>.</summary>
    public int StreamMaxLength { get; set; } = 100_000;

    /// <summary>The bytes of every stream that ended with the zero-length chunk, in order.</summary>
    public IReadOnlyList<byte[]> Streams => [.. streams];

    public IReadOnlyList<string> ProtocolErrors => [.. protocolErrors];

    public int Connections => Volatile.Read(ref connections);

    /// <summary>Connections that ended before their stream did.</summary>
    public int Abandoned => Volatile.Read(ref abandoned);

    /// <summary>The portal settings that point its scanner here.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Scanning:ClamAv:Host"] = "127.0.0.1",
        ["Scanning:ClamAv:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Scanning:ClamAv:TimeoutSeconds"] = "10",
    };

    public static FakeClamd Start() => new();

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        await accepting;
        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        var sessions = new List<Task>();
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            Interlocked.Increment(ref connections);
            sessions.Add(ServeAsync(client));
        }

        await Task.WhenAll(sessions);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            var command = await ReadCommandAsync(stream);
            if (command != "zINSTREAM")
            {
                protocolErrors.Enqueue($"Unexpected command '{command}'.");
                await ReplyAsync(stream, "UNKNOWN COMMAND");
                return;
            }

            var answer = Answer;
            if (answer == ClamdAnswer.Close)
            {
                return;
            }

            var received = new MemoryStream();
            var length = new byte[4];
            while (true)
            {
                await stream.ReadExactlyAsync(length, stopping.Token);
                var size = BinaryPrimitives.ReadUInt32BigEndian(length);
                if (size == 0)
                {
                    break;
                }

                if (size > 16 * 1024 * 1024)
                {
                    protocolErrors.Enqueue($"A chunk length of {size} bytes: the length is not big-endian or the framing is off.");
                    return;
                }

                var chunk = new byte[size];
                await stream.ReadExactlyAsync(chunk, stopping.Token);
                received.Write(chunk);
                if (answer == ClamdAnswer.SizeLimit && received.Length > StreamMaxLength)
                {
                    await ReplyAsync(stream, "INSTREAM size limit exceeded. ERROR");
                    // Read on until the client hangs up, so that closing does not reset the connection under the reply.
                    client.Client.Shutdown(SocketShutdown.Send);
                    await stream.CopyToAsync(Stream.Null, stopping.Token);
                    return;
                }
            }

            var bytes = received.ToArray();
            streams.Enqueue(bytes);
            var infected = answer == ClamdAnswer.Infected && bytes.AsSpan().IndexOf(VirusMarker) >= 0;
            await ReplyAsync(stream, infected ? $"stream: {Signature} FOUND" : "stream: OK");
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or SocketException)
        {
            // A client that goes away mid-stream (a file refused for its type) leaves an incomplete stream, not a framing error.
            Interlocked.Increment(ref abandoned);
        }
    }

    private async Task<string> ReadCommandAsync(NetworkStream stream)
    {
        var command = new StringBuilder();
        var one = new byte[1];
        while (command.Length < 64)
        {
            await stream.ReadExactlyAsync(one, stopping.Token);
            if (one[0] == 0)
            {
                return command.ToString();
            }

            command.Append((char)one[0]);
        }

        return command.ToString();
    }

    private async Task ReplyAsync(NetworkStream stream, string reply) =>
        await stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\0"), stopping.Token);
}
