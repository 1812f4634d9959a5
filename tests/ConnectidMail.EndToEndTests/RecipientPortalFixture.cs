using ConnectidMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.EndToEndTests;

/// <summary>
/// A portal for the recipient's side: mail to a real SMTP server (<see cref="Mail"/>), logging at every level into
/// <see cref="Logs"/>, so a line holding a token or a code would be caught.
/// </summary>
public sealed class RecipientPortalFixture : PortalFixture
{
    public RecipientPortalFixture()
        : this(SmtpSink.OnFreePort(), new LogCollector())
    {
    }

    private RecipientPortalFixture(SmtpSink sink, LogCollector logs)
        : base(
            new Dictionary<string, string?>(sink.PortalSettings())
            {
                ["Logging:LogLevel:Default"] = "Trace",
                ["Logging:LogLevel:Microsoft"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
                // appsettings.json names this category on its own; without this line it would stay at Warning.
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
            },
            services => services.AddSingleton<ILoggerProvider>(logs))
    {
        Mail = sink;
        Logs = logs;
    }

    public SmtpSink Mail { get; }

    public LogCollector Logs { get; }

    public override async Task InitializeAsync()
    {
        await Mail.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Mail.DisposeAsync();
    }
}
