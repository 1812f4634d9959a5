using Microsoft.Playwright;

namespace ConnectidMail.EndToEndTests;

/// <summary>
/// One headless Debian Chromium for the whole test run. Playwright cannot download browsers here, so the
/// system browser is launched; when it is missing every test fails with a message saying how to install it.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>The browser binary; <c>CONNECTIDMAIL_CHROMIUM</c> overrides it.</summary>
    public static string ChromiumPath { get; } =
        Environment.GetEnvironmentVariable("CONNECTIDMAIL_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static readonly string[] ChromiumArguments =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];

    private IPlaywright? playwright;
    private IBrowser? browser;

    public IBrowser Browser => browser ?? throw new InvalidOperationException("The browser fixture has not started.");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at {ChromiumPath}. The end-to-end tests drive Debian's Chromium and never skip: "
                + "install it with 'apt-get install -y chromium fonts-liberation' (or set CONNECTIDMAIL_CHROMIUM to the browser binary).");
        }

        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArguments,
        });
    }

    /// <summary>Closes the browser; should it not answer (as a context once did not), ending the driver ends it.</summary>
    public async Task DisposeAsync()
    {
        try
        {
            if (browser is not null)
            {
                await browser.CloseAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (TimeoutException)
        {
            await Console.Error.WriteLineAsync("Closing the browser did not finish within 30 s; ending the Playwright driver ends it.");
        }
        finally
        {
            playwright?.Dispose();
        }
    }
}

/// <summary>Every browser test class joins this collection and so shares the one browser.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
