namespace ConnectidMail.EndToEndTests;

/// <summary>
/// Base for browser tests: every test gets a fresh browser context against its class's portal.
/// Concrete classes carry <c>[Collection(BrowserCollection.Name)]</c> and <c>IClassFixture&lt;PortalFixture&gt;</c>.
/// </summary>
public abstract class PortalPageTest(BrowserFixture browser, PortalFixture portal) : IAsyncLifetime
{
    private BrowserSession? session;

    protected PortalFixture Portal => portal;

    /// <summary>The shared browser, for a second session of its own (e.g. a recipient beside a sender).</summary>
    protected BrowserFixture Browser => browser;

    protected BrowserSession Session => session ?? throw new InvalidOperationException("The browser session has not opened.");

    public async Task InitializeAsync() => session = await BrowserSession.OpenAsync(browser, portal);

    public async Task DisposeAsync()
    {
        if (session is not null)
        {
            await session.DisposeAsync();
        }
    }
}
