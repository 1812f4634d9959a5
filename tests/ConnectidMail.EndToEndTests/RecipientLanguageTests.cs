using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>
/// The recipient's whole way in Chromium in English and in Danish, by the contract's accessible names of each language,
/// on a phone-sized screen (360 × 740): link, code, consent, reading, a reply with a file, a passkey, the inbox, the
/// passkeys and withdrawal pages, and the status pages; axe finds no serious or critical violation on any of them,
/// <c>&lt;html lang&gt;</c> says the language, and nothing is wider than the screen. The visible switch changes the
/// language. The sender's pages stay English, and accessible, in a Danish browser.
/// With <c>CONNECTIDMAIL_SCREENSHOTS=1</c> every step is saved to <c>docs/screenshots/</c> (see README).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class RecipientLanguageTests(BrowserFixture browser, RecipientPortalFixture portal) : IClassFixture<RecipientPortalFixture>
{
    private static readonly string[] BlockingImpacts = ["serious", "critical"];

    /// <summary>The accessible names of each language (DESIGN.md's contract).</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Names = new()
    {
        ["en"] = new()
        {
            ["verify"] = "Verify your e-mail address",
            ["send"] = "Email me a code",
            ["code"] = "One-time code",
            ["check"] = "Verify",
            ["agree"] = "^I agree",
            ["continue"] = "Continue",
            ["reply"] = "Reply",
            ["attach"] = "Attach files",
            ["sendReply"] = "Send reply",
            ["you"] = "You",
            ["inbox"] = "Inbox",
            ["passkeys"] = "Your passkeys",
            ["addPasskey"] = "Add a passkey",
            ["passkeyAdded"] = "Passkey added",
            ["withdraw"] = "Withdraw consent",
            ["confirmWithdraw"] = "Yes, withdraw consent",
            ["withdrawn"] = "Your consent is withdrawn",
            ["wrong"] = "That code is not right",
            ["notFound"] = "Not found",
            ["invalidLink"] = "This link is not valid",
            ["codeSubject"] = "your one-time code",
            ["switchTo"] = "Dansk",
        },
        ["da"] = new()
        {
            ["verify"] = "Bekræft din e-mailadresse",
            ["send"] = "Send mig en kode",
            ["code"] = "Engangskode",
            ["check"] = "Bekræft",
            ["agree"] = "^Jeg accepterer",
            ["continue"] = "Fortsæt",
            ["reply"] = "Svar",
            ["attach"] = "Vedhæft filer",
            ["sendReply"] = "Send svar",
            ["you"] = "Dig",
            ["inbox"] = "Indbakke",
            ["passkeys"] = "Dine adgangsnøgler",
            ["addPasskey"] = "Tilføj en adgangsnøgle",
            ["passkeyAdded"] = "Adgangsnøgle tilføjet",
            ["withdraw"] = "Træk samtykke tilbage",
            ["confirmWithdraw"] = "Ja, træk samtykket tilbage",
            ["withdrawn"] = "Dit samtykke er trukket tilbage",
            ["wrong"] = "Koden er ikke rigtig",
            ["notFound"] = "Ikke fundet",
            ["invalidLink"] = "Linket er ikke gyldigt",
            ["codeSubject"] = "din engangskode",
            ["switchTo"] = "English",
        },
    };

    [Theory]
    [InlineData("en")]
    [InlineData("da")]
    public async Task A_recipient_verifies_consents_reads_and_replies_by_the_names_of_their_language_on_a_phone_and_every_page_is_accessible(string language)
    {
        var name = Names[language];
        await using var session = await BrowserSession.OpenAsync(browser, portal.BaseAddress, language == "da" ? "da-DK" : "en-GB", "Europe/Copenhagen");
        var page = session.Page;
        await page.SetViewportSizeAsync(360, 740);
        await session.AddVirtualAuthenticatorAsync();
        using var sender = await SenderClientAsync();
        var recipient = $"{language}-{Guid.NewGuid():N}@example.com";
        var subject = $"Sprog {language} {Guid.NewGuid():N}"[..20];
        var messageId = await SendAsync(sender, recipient, subject, "Hello **there**", ("plan.pdf", SampleFiles.For("plan.pdf", 20_000)));
        var link = LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20)));

        await session.GotoAsync(link);
        await session.WaitForPathAsync("/verify");
        await Expect(session.PageHeading(name["verify"])).ToBeVisibleAsync();
        await CheckPageAsync(session, language, "verify");

        await page.GetByRole(AriaRole.Button, new() { Name = name["send"], Exact = true }).ClickAsync();
        var codeMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20));
        Assert.EndsWith(name["codeSubject"], codeMail.Subject, StringComparison.Ordinal);
        var code = CodePattern().Match(codeMail.TextBody!).Value.Trim();
        await Expect(page.Locator("#code-sent")).ToBeVisibleAsync();
        await CheckPageAsync(session, language, "code-sent");

        // A wrong code: the message is an alert and describes the text box.
        var codeBox = page.GetByLabel(name["code"], new() { Exact = true });
        await codeBox.FillAsync(code == "00000000" ? "11111111" : "00000000");
        await page.GetByRole(AriaRole.Button, new() { Name = name["check"], Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = name["wrong"] })).ToBeVisibleAsync();
        Assert.Contains("code-error", (await codeBox.GetAttributeAsync("aria-describedby"))!.Split(' '));
        Assert.Equal("true", await codeBox.GetAttributeAsync("aria-invalid"));
        await CheckPageAsync(session, language, "wrong-code");

        await page.GetByLabel(name["code"], new() { Exact = true }).FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = name["check"], Exact = true }).ClickAsync();
        await session.WaitForPathAsync("/consent");
        await Expect(page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex(name["agree"]) })).ToBeVisibleAsync();
        await CheckPageAsync(session, language, "consent");
        await page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex(name["agree"]) }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = name["continue"], Exact = true }).ClickAsync();

        await session.WaitForPathAsync($"/m/{messageId}");
        await Expect(session.PageHeading(subject)).ToBeVisibleAsync();
        await Expect(page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        // Times in the browser's zone and the language's words (the zone cookie was set on the first page).
        var sent = await page.Locator("dl.facts dd").Nth(1).InnerTextAsync();
        Assert.Matches(language == "da" ? @"^\d{1,2}\. [a-zæøå]+ \d{4} kl\. \d\d\.\d\d$" : @"^\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d$", sent);
        await CheckPageAsync(session, language, "message");

        var replyText = $"Reply {Guid.NewGuid():N}";
        await page.GetByLabel(name["reply"], new() { Exact = true }).FillAsync(replyText);
        await page.GetByLabel(name["attach"], new() { Exact = true }).SetInputFilesAsync(new FilePayload { Name = "answer.txt", MimeType = "text/plain", Buffer = "an answer"u8.ToArray() });
        await page.GetByRole(AriaRole.Button, new() { Name = name["sendReply"], Exact = true }).ClickAsync();
        await Expect(page.GetByText(replyText)).ToBeVisibleAsync();
        await Expect(page.Locator(".thread-meta strong").Filter(new() { HasText = name["you"] })).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "answer.txt", Exact = true })).ToBeVisibleAsync();
        await CheckPageAsync(session, language, "replied");

        await page.GetByRole(AriaRole.Link, new() { Name = name["inbox"], Exact = true }).ClickAsync();
        await session.WaitForPathAsync("/inbox");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = subject, Exact = true })).ToBeVisibleAsync();
        await CheckPageAsync(session, language, "inbox");

        await page.GetByRole(AriaRole.Link, new() { Name = name["passkeys"], Exact = true }).ClickAsync();
        await session.WaitForPathAsync("/recipient/passkeys");
        await page.GetByRole(AriaRole.Button, new() { Name = name["addPasskey"], Exact = true }).ClickAsync();
        // A ceremony of two round trips and the authenticator: more time than a page load on a busy machine.
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = name["passkeyAdded"] })).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await CheckPageAsync(session, language, "passkeys");

        // The access log and the "This wasn't me" confirmation (not confirmed here: it would end this session).
        await page.GotoAsync("/recipient/activity");
        await session.WaitForPathAsync("/recipient/activity");
        await Expect(page.Locator("table")).ToHaveCountAsync(1);
        await CheckPageAsync(session, language, "access-log");
        await page.GotoAsync("/recipient/activity/not-me");
        await session.WaitForPathAsync("/recipient/activity/not-me");
        await CheckPageAsync(session, language, "not-me");

        Assert.True(session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", session.BrowserErrors));

        // The status pages answer 404, which the browser reports as a failed load (with the favicon's): nothing else.
        foreach (var (path, heading, step) in new[] { ("/no-such-page", name["notFound"], "not-found"), ("/r/not-a-valid-link", name["invalidLink"], "invalid-link") })
        {
            await page.GotoAsync(path);
            await Expect(session.PageHeading(heading)).ToBeVisibleAsync();
            await CheckPageAsync(session, language, step);
        }

        Assert.All(session.BrowserErrors, e => Assert.Contains("status of 404", e, StringComparison.Ordinal));
        var errorsBefore = session.BrowserErrors.Count;
        await page.GotoAsync("/inbox");
        await page.GetByRole(AriaRole.Link, new() { Name = name["withdraw"], Exact = true }).ClickAsync();
        await session.WaitForPathAsync("/consent/withdraw");
        await CheckPageAsync(session, language, "withdraw");
        await page.GetByRole(AriaRole.Button, new() { Name = name["confirmWithdraw"], Exact = true }).ClickAsync();
        await Expect(session.PageHeading(name["withdrawn"])).ToBeVisibleAsync();
        await CheckPageAsync(session, language, "signed-out");

        Assert.True(session.BrowserErrors.Count == errorsBefore, "The browser reported errors:\n" + string.Join("\n", session.BrowserErrors.Skip(errorsBefore)));
    }

    [Fact]
    public async Task The_visible_switch_changes_the_language_and_html_lang_and_the_code_mail_follows_it()
    {
        await using var session = await BrowserSession.OpenAsync(browser, portal.BaseAddress, "en-US");
        var page = session.Page;
        using var sender = await SenderClientAsync();
        var recipient = $"switch-{Guid.NewGuid():N}@example.com";
        await SendAsync(sender, recipient, "Switch", "Body");
        await session.GotoAsync(LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20))));
        await session.WaitForPathAsync("/verify");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");

        await page.GetByRole(AriaRole.Link, new() { Name = "Dansk", Exact = true }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "da");
        Assert.Equal("/verify", new Uri(page.Url).AbsolutePath);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send mig en kode", Exact = true }).ClickAsync();
        var codeMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20));
        Assert.EndsWith("din engangskode", codeMail.Subject, StringComparison.Ordinal);
        await Expect(page.GetByLabel("Engangskode", new() { Exact = true })).ToBeVisibleAsync();

        // The choice stays for the next page, and switches back the same way.
        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "da");
        await page.GetByRole(AriaRole.Link, new() { Name = "English", Exact = true }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true })).ToBeVisibleAsync();
        Assert.True(session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", session.BrowserErrors));
    }

    [Fact]
    public async Task With_the_keyboard_alone_a_recipient_gets_a_code_verifies_consents_reads_and_replies()
    {
        await using var session = await BrowserSession.OpenAsync(browser, portal.BaseAddress, "en-US");
        var page = session.Page;
        using var sender = await SenderClientAsync();
        var recipient = $"keys-{Guid.NewGuid():N}@example.com";
        var messageId = await SendAsync(sender, recipient, "By keyboard", "Read me", ("keys.pdf", SampleFiles.For("keys.pdf", 10_000)));
        await session.GotoAsync(LinkIn(await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient), TimeSpan.FromSeconds(20))));
        await session.WaitForPathAsync("/verify");

        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Email me a code", Exact = true }));
        await page.Keyboard.PressAsync("Enter");
        var codeMail = await portal.Mail.WaitForMessageAsync(m => IsTo(m, recipient) && CodePattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20));
        await Expect(page.Locator("#code-sent")).ToBeVisibleAsync();
        await TabToAsync(page, page.GetByLabel("One-time code", new() { Exact = true }));
        await page.Keyboard.TypeAsync(CodePattern().Match(codeMail.TextBody!).Value.Trim());
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }));
        await page.Keyboard.PressAsync("Enter");

        await session.WaitForPathAsync("/consent");
        var agree = page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^I agree") });
        await TabToAsync(page, agree);
        await page.Keyboard.PressAsync("Space");
        await Expect(agree).ToBeCheckedAsync();
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Continue", Exact = true }));
        await page.Keyboard.PressAsync("Enter");

        await session.WaitForPathAsync($"/m/{messageId}");
        await Expect(page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await Expect(page.GetByText("Read me")).ToBeVisibleAsync();
        await TabToAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "keys.pdf", Exact = true }));
        var replyText = $"Typed {Guid.NewGuid():N}";
        await TabToAsync(page, page.GetByLabel("Reply", new() { Exact = true }));
        await page.Keyboard.TypeAsync(replyText);
        // Tab leaves the text box (no trap) and reaches the file input and then the button.
        await TabToAsync(page, page.GetByLabel("Attach files", new() { Exact = true }));
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Send reply", Exact = true }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".thread").GetByText(replyText)).ToBeVisibleAsync();
        Assert.True(session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", session.BrowserErrors));
    }

    /// <summary>Presses Tab until <paramref name="target"/> has the focus, which must be visible (an outline); fails after 40 presses.</summary>
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        await Expect(target).ToBeVisibleAsync();
        for (var presses = 0; presses < 40; presses++)
        {
            if (await IsFocusedAsync(target))
            {
                var outline = await target.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle");
                Assert.NotEqual("none", outline);
                return;
            }

            await page.Keyboard.PressAsync("Tab");
        }

        Assert.Fail($"Tab never reached {target}; the focus is on {await page.EvaluateAsync<string>("() => document.activeElement?.outerHTML ?? 'nothing'")}");
    }

    private static Task<bool> IsFocusedAsync(ILocator target) => target.EvaluateAsync<bool>("e => e === document.activeElement");

    [Fact]
    public async Task The_sender_pages_stay_english_and_accessible_in_a_danish_browser()
    {
        await using var session = await BrowserSession.OpenAsync(browser, portal.BaseAddress, "da-DK");
        var page = session.Page;
        await session.SignInAsync(await portal.CreateUserAsync(StaffRoles.Sender));
        await session.GotoAsync("/compose");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await AssertAccessibleAsync(page, "the compose page (da browser)");

        await page.GetByLabel("To", new() { Exact = true }).FillAsync($"someone-{Guid.NewGuid():N}@example.com");
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync("English pages");
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Body");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/messages/[0-9a-f-]{36}$"));
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send svar" })).ToHaveCountAsync(0);
        await AssertAccessibleAsync(page, "a message page (da browser)");

        await session.GotoAsync("/sent");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await AssertAccessibleAsync(page, "the sent list (da browser)");
    }

    /// <summary>The page says its language, fits the phone, has no serious axe violation; saved as a screenshot when asked.</summary>
    private static async Task CheckPageAsync(BrowserSession session, string language, string step)
    {
        var page = session.Page;
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 360, $"{step} ({language}) is {width} px wide at a 360 px viewport.");
        await AssertAccessibleAsync(page, $"{step} ({language})");
        if (Screenshots.Folder is { } folder)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"recipient-{language}-{step}.png"), FullPage = true });
        }
    }

    private static async Task AssertAccessibleAsync(IPage page, string what)
    {
        var result = await page.RunAxe();
        Assert.NotEmpty(result.Passes);
        var blocking = result.Violations.Where(v => BlockingImpacts.Contains(v.Impact)).ToList();
        Assert.True(
            blocking.Count == 0,
            $"axe found serious violations on {what} ({page.Url}):\n" + string.Join("\n", blocking.Select(v => $"- [{v.Impact}] {v.Id}: {v.Help}\n    "
                + string.Join("\n    ", v.Nodes.Select(n => n.Html)))));
    }

    private async Task<HttpClient> SenderClientAsync()
    {
        var credentials = await portal.CreateUserAsync(StaffRoles.Sender);
        var key = await AdminCliRunner.RunAsync(portal.Portal, "create-api-key", "--email", credentials.Email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        var client = new HttpClient { BaseAddress = portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.OutputLines[^1]);
        return client;
    }

    private static async Task<Guid> SendAsync(HttpClient client, string to, string subject, string body, params (string Name, byte[] Content)[] files)
    {
        using var form = new MultipartFormDataContent { { JsonContent.Create(new { to = new[] { to }, subject, body }), "message" } };
        foreach (var (name, content) in files)
        {
            form.Add(new ByteArrayContent(content), "files", name);
        }

        using var response = await client.PostAsync("/api/v1/messages", form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static bool IsTo(MimeMessage mail, string address) => mail.To.Mailboxes.Any(a => a.Address == address);

    private static string LinkIn(MimeMessage mail) => LinkPattern().Match(mail.TextBody ?? "").Value;

    [GeneratedRegex(@"http://localhost:\d+/r/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkPattern();

    // The code stands alone on its line: addresses in these tests hold GUIDs, which can hold runs of 8 digits.
    [GeneratedRegex(@"^[ \t]*\d{8}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex CodePattern();
}

/// <summary>
/// <c>CONNECTIDMAIL_SCREENSHOTS=1</c> (or a folder) saves the phone-sized recipient flow as PNGs, by default in the
/// repository's <c>docs/screenshots/</c>.
/// </summary>
internal static class Screenshots
{
    public static string? Folder { get; } = Resolve(Environment.GetEnvironmentVariable("CONNECTIDMAIL_SCREENSHOTS"));

    private static string? Resolve(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting) || setting == "0")
        {
            return null;
        }

        var folder = setting == "1" ? Path.Combine(RepositoryRoot(), "docs", "screenshots") : Path.GetFullPath(setting);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "ConnectidMail.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("The repository root (ConnectidMail.sln) was not found above " + AppContext.BaseDirectory);
    }
}
