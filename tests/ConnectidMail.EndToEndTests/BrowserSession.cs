using System.Collections.Specialized;
using System.Text.Json;
using System.Web;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>
/// A fresh browser context (own cookies) and page against one portal, recording every console error and
/// uncaught page error, with the staff sign-in steps written once against the accessible names of the contract.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    /// <summary>The cookie that carries a signed-in staff session.</summary>
    public const string StaffCookieName = "__Host-Identity.Application";

    public const string LoginPath = "/Account/Login";

    public const string TwoFactorPath = "/Account/LoginWith2fa";

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(30);
    private readonly IBrowserContext context;
    private readonly List<string> browserErrors = [];

    private BrowserSession(IBrowserContext context, IPage page)
    {
        this.context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Record($"console error on {page.Url} ({message.Location}): {message.Text}");
            }
        };
        page.PageError += (_, error) => Record($"page error on {page.Url}: {error}");
    }

    public IPage Page { get; }

    /// <summary>Console errors and uncaught exceptions seen so far, in order.</summary>
    public IReadOnlyList<string> BrowserErrors
    {
        get
        {
            lock (browserErrors)
            {
                return [.. browserErrors];
            }
        }
    }

    public ILocator EmailBox => Page.GetByLabel("Email", new() { Exact = true });

    public ILocator PasswordBox => Page.GetByLabel("Password", new() { Exact = true });

    public ILocator LogInButton => Page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true });

    public ILocator LogOutButton => Page.GetByRole(AriaRole.Button, new() { Name = "Log out", Exact = true });

    public ILocator SignInError => Page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The email or password is not right" });

    public ILocator PageHeading(string name) =>
        Page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true, Level = 1 });

    public ILocator Section(string name) => Page.GetByRole(AriaRole.Region, new() { Name = name, Exact = true });

    /// <summary>The path of the page's current address, e.g. <c>/Account/Login</c>.</summary>
    public string CurrentPath => new Uri(Page.Url).AbsolutePath;

    public NameValueCollection CurrentQuery => HttpUtility.ParseQueryString(new Uri(Page.Url).Query);

    public static Task<BrowserSession> OpenAsync(BrowserFixture browser, PortalFixture portal) =>
        OpenAsync(browser, portal.BaseAddress);

    /// <summary>A session whose browser speaks <paramref name="locale"/> (its Accept-Language) in <paramref name="timeZone"/>.</summary>
    public static async Task<BrowserSession> OpenAsync(BrowserFixture browser, Uri baseAddress, string locale = "en-US", string? timeZone = null)
    {
        var context = await browser.Browser.NewContextAsync(new()
        {
            BaseURL = baseAddress.ToString(),
            Locale = locale,
            TimezoneId = timeZone,
        });
        // Fail in seconds, not the default 30, when something never appears.
        context.SetDefaultTimeout(10_000);
        context.SetDefaultNavigationTimeout(15_000);
        var page = await context.NewPageAsync();
        return new BrowserSession(context, page);
    }

    /// <summary>Opens a path and asserts that the final response (after any redirect) is a success.</summary>
    public async Task GotoAsync(string path)
    {
        var response = await Page.GotoAsync(path);
        Assert.NotNull(response);
        Assert.True(response.Ok, $"GET {path} ended at {response.Url} with HTTP {response.Status}.");
    }

    /// <summary>
    /// Waits until the browser shows the given path (redirects and form posts settle on their own time): for the
    /// committed navigation only, not the load event, which a busy machine may delay; the assertions that follow
    /// wait for the content they need.
    /// </summary>
    public Task WaitForPathAsync(string path) =>
        Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == path, new() { WaitUntil = WaitUntilState.Commit });

    /// <summary>Fills the sign-in form already on screen and submits it.</summary>
    public async Task SubmitLoginAsync(string email, string password)
    {
        await EmailBox.FillAsync(email);
        await PasswordBox.FillAsync(password);
        await LogInButton.ClickAsync();
    }

    public ILocator AuthenticatorCodeBox => Page.GetByLabel("Authenticator code", new() { Exact = true });

    /// <summary>Signs in from the login page, with the authenticator code when the account has one, and waits for the dashboard.</summary>
    public async Task SignInAsync(StaffCredentials credentials)
    {
        await GotoAsync(LoginPath);
        await SubmitLoginAsync(credentials.Email, credentials.Password);
        if (credentials.Authenticator is { } authenticator)
        {
            await WaitForPathAsync(TwoFactorPath);
            await SubmitAuthenticatorCodeAsync(await authenticator.NextCodeAsync());
        }

        await WaitForPathAsync("/");
        await Expect(PageHeading("Dashboard")).ToBeVisibleAsync();
    }

    /// <summary>Fills the two-factor step already on screen and submits it.</summary>
    public async Task SubmitAuthenticatorCodeAsync(string code)
    {
        await AuthenticatorCodeBox.FillAsync(code);
        await LogInButton.ClickAsync();
    }

    /// <summary>
    /// Gives the page a platform authenticator through the Chrome DevTools Protocol: it makes and uses real
    /// passkeys (resident keys, user verification) and approves every request by itself.
    /// </summary>
    public async Task<VirtualAuthenticator> AddVirtualAuthenticatorAsync()
    {
        var devTools = await context.NewCDPSessionAsync(Page);
        await devTools.SendAsync("WebAuthn.enable");
        var added = await devTools.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        return new VirtualAuthenticator(devTools, added!.Value.GetProperty("authenticatorId").GetString()!);
    }

    public async Task<bool> HasStaffCookieAsync() =>
        (await context.CookiesAsync()).Any(c => c.Name == StaffCookieName);

    /// <summary>
    /// Closes the context. Chromium once never answered the close (after a passing test, in a full run), which held
    /// the whole run until it was stopped: after a while the context is left to the browser's own end, with a warning.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await context.CloseAsync().WaitAsync(CloseTimeout);
        }
        catch (TimeoutException)
        {
            await Console.Error.WriteLineAsync($"Closing a browser context did not finish within {CloseTimeout.TotalSeconds:N0} s; it is left to the browser's end.");
        }
    }

    private void Record(string error)
    {
        lock (browserErrors)
        {
            browserErrors.Add(error);
        }
    }
}

/// <summary>A virtual authenticator of one page, to look at the passkeys it holds.</summary>
public sealed class VirtualAuthenticator(ICDPSession devTools, string authenticatorId)
{
    public async Task<IReadOnlyList<JsonElement>> CredentialsAsync()
    {
        var result = await devTools.SendAsync("WebAuthn.getCredentials", new Dictionary<string, object> { ["authenticatorId"] = authenticatorId });
        return [.. result!.Value.GetProperty("credentials").EnumerateArray()];
    }
}
