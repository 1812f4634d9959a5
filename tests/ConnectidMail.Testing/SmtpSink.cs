using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Storage;

namespace ConnectidMail.Testing;

/// <summary>
/// A real SMTP server (the SmtpServer package) on 127.0.0.1 that keeps every mail it accepts. It can be stopped and
/// started again on the same port, to stand for an outage, and can refuse recipients for good (5xx on RCPT TO).
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> received = new();
    private readonly Func<string, bool> refusesRecipient;
    private CancellationTokenSource? stopping;
    private Task? running;

    private SmtpSink(int port, Func<string, bool>? refusesRecipient)
    {
        Port = port;
        this.refusesRecipient = refusesRecipient ?? (_ => false);
    }

    public int Port { get; }

    public bool IsRunning => running is { IsCompleted: false };

    public IReadOnlyList<MimeMessage> Messages => [.. received];

    /// <summary>A sink on a free port that does not listen yet: mail sent there fails until <see cref="StartAsync"/>.</summary>
    public static SmtpSink OnFreePort(Func<string, bool>? refusesRecipient = null) => new(PortalFactory.FreeTcpPort(), refusesRecipient);

    public static async Task<SmtpSink> StartOnFreePortAsync(Func<string, bool>? refusesRecipient = null)
    {
        var sink = OnFreePort(refusesRecipient);
        await sink.StartAsync();
        return sink;
    }

    /// <summary>Portal settings that send mail here.</summary>
    public Dictionary<string, string?> PortalSettings() => new()
    {
        ["Mail:Smtp:Host"] = IPAddress.Loopback.ToString(),
        ["Mail:Smtp:Port"] = Port.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Returns once the port listens.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The SMTP sink is already running.");
        }

        var listeners = new EndpointListenerFactory();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listeners.EndpointStarted += (_, _) => listening.TrySetResult();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listeners);
        services.Add(new Store(received));
        services.Add(new DelegatingMailboxFilter((IMailbox to, IMailbox from) => !refusesRecipient(to.AsAddress())));
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();

        stopping = new CancellationTokenSource();
        running = new SmtpServer.SmtpServer(options, services).StartAsync(stopping.Token);
        await Task.WhenAny(listening.Task, running).WaitAsync(TimeSpan.FromSeconds(10));
        if (running.IsFaulted)
        {
            await running;
        }
    }

    /// <summary>Stops listening; returns once the port is closed.</summary>
    public async Task StopAsync()
    {
        if (stopping is null || running is null)
        {
            return;
        }

        await stopping.CancelAsync();
        try
        {
            await running.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // The server ends its listen loop by cancellation.
        }

        stopping.Dispose();
        (stopping, running) = (null, null);
    }

    /// <summary>The first received mail that matches, waiting for it up to <paramref name="timeout"/> (default 10 s).</summary>
    public async Task<MimeMessage> WaitForMessageAsync(Func<MimeMessage, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (received.FirstOrDefault(match) is { } message)
            {
                return message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No matching mail reached the SMTP sink in time ({received.Count} other mail(s) did).");
            }

            await Task.Delay(20);
        }
    }

    public Task<MimeMessage> WaitForMessageIdAsync(string messageId, TimeSpan? timeout = null) =>
        WaitForMessageAsync(m => m.MessageId == messageId, timeout);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        foreach (var message in received)
        {
            message.Dispose();
        }
    }

    private sealed class Store(ConcurrentQueue<MimeMessage> received) : MessageStore
    {
        public override async Task<SmtpServer.Protocol.SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpServer.Protocol.SmtpResponse.Ok;
        }
    }
}
