using ConnectidMail.Testing;

namespace ConnectidMail.EndToEndTests;

/// <summary>A <see cref="PortalFixture"/> that hands its mail to a real SMTP server in the test (<see cref="Mail"/>).</summary>
public sealed class MailPortalFixture : PortalFixture
{
    public MailPortalFixture()
        : this(SmtpSink.OnFreePort())
    {
    }

    private MailPortalFixture(SmtpSink sink)
        : base(new Dictionary<string, string?>(sink.PortalSettings())
        {
            // Small limits, so the compose page's own checks can be seen without big files.
            ["Policy:MaxFileBytes"] = (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
    {
        Mail = sink;
    }

    public SmtpSink Mail { get; }

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
