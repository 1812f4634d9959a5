using System.Collections;
using System.Globalization;
using System.Net;
using System.Resources;
using System.Text.RegularExpressions;
using ConnectidMail.IntegrationTests.Recipient;
using ConnectidMail.Testing;
using ConnectidMail.Web.Languages;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Languages;

/// <summary>
/// Every recipient page, in English and in Danish, over HTTP against a real portal, database and SMTP server: the page
/// speaks the browser's language (<c>&lt;html lang&gt;</c> too), shows no resource key (a missing text) and, in one
/// language, no text of the other; the mails follow the recipient's language. And the switch: its cookie wins over
/// the browser, it goes back only to a page of the portal, and the sender pages stay English.
/// </summary>
public sealed partial class RecipientLanguagesTests
{
    private static readonly ResourceManager Texts = new(typeof(RecipientText).FullName!, typeof(RecipientText).Assembly);

    [Theory]
    [InlineData("en")]
    [InlineData("da")]
    public async Task Every_recipient_page_and_mail_is_in_the_browsers_language_without_a_missing_text(string language)
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, $"lang-{Guid.NewGuid():N}@example.org");
        recipient.Http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        recipient.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language == "da" ? "da-DK,da;q=0.9,en;q=0.5" : "en-GB,en;q=0.9");
        var id = await SendWithFilesAsync(sender, new { to = new[] { recipient.Email }, subject = "Sprog", body = "Body" }, ("notes.txt", "a note"u8.ToArray()));

        var verify = await recipient.OpenLinkAsync();
        AssertSpeaks(language, verify, "/verify");
        Assert.Contains(Text("Verify.SendCode", language), WebUtility.HtmlDecode(verify.Html), StringComparison.Ordinal);
        Assert.Contains($">{Text("Verify.CodeLabel", language)}</label>", WebUtility.HtmlDecode(verify.Html), StringComparison.Ordinal);

        var before = recipient.MailCount;
        var sent = await recipient.AskForCodeAsync();
        AssertSpeaks(language, sent, "/verify");
        var code = await recipient.CodeAsync(before);
        var codeMail = sink.Messages.Last(m => m.To.Mailboxes.Any(b => b.Address == recipient.Email) && (m.TextBody ?? "").Contains(code, StringComparison.Ordinal));
        Assert.Equal(language == "da" ? $"{Organisation}: din engangskode" : $"{Organisation}: your one-time code", codeMail.Subject);

        var wrong = await recipient.EnterCodeAsync(code == "00000000" ? "11111111" : "00000000");
        AssertSpeaks(language, wrong, "/verify");
        Assert.Contains(Text("Verify.Wrong.Many", language, 4), wrong.Text, StringComparison.Ordinal);

        var consent = await recipient.EnterCodeAsync(code);
        AssertSpeaks(language, consent, "/consent");
        Assert.Matches(language == "da" ? "<label for=\"agree\" lang=\"da\">Jeg accepterer" : "<label for=\"agree\" lang=\"en\">I agree", consent.Html);
        Assert.Contains($">{Text("Consent.Continue", language)}</button>", WebUtility.HtmlDecode(consent.Html), StringComparison.Ordinal);

        var message = await recipient.ConsentAsync(consent);
        AssertSpeaks(language, message, $"/m/{id}");
        Assert.Contains(">Sprog</h1>", WebUtility.HtmlDecode(message.Html), StringComparison.Ordinal);
        Assert.Contains($">{Text("Reply.Label", language)}</label>", WebUtility.HtmlDecode(message.Html), StringComparison.Ordinal);
        Assert.Contains($">{Text("Reply.AttachFiles", language)}</label>", WebUtility.HtmlDecode(message.Html), StringComparison.Ordinal);
        Assert.Contains($">{Text("Reply.Send", language)}</button>", WebUtility.HtmlDecode(message.Html), StringComparison.Ordinal);

        foreach (var path in new[] { "/inbox", "/recipient/passkeys", "/consent/withdraw", $"/m/{Guid.NewGuid()}", "/r/not-a-valid-link-token", "/no-such-page" })
        {
            AssertSpeaks(language, await recipient.GetAsync(path), path);
        }

        // A later notification to this address is in the language it chose.
        bool Notification(MimeKit.MimeMessage m) =>
            m.To.Mailboxes.Any(b => b.Address == recipient.Email) && (m.TextBody ?? "").Contains("/r/", StringComparison.Ordinal);
        await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Again", body = "Body" });
        await sink.WaitForMessageAsync(_ => sink.Messages.Count(Notification) >= 2);
        var notification = sink.Messages.Last(Notification);
        Assert.Equal(language == "da" ? $"{Organisation}: du har en sikker besked" : $"{Organisation}: you have a secure message", notification.Subject);

        var withdrawn = await recipient.PostFormAsync("/consent/withdraw", "withdraw");
        AssertSpeaks(language, withdrawn, "/signed-out");
        Assert.Contains(Text("SignedOut.Withdrawn", language), withdrawn.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_switch_sets_a_cookie_that_wins_over_the_browser_and_goes_back_only_to_a_page_of_the_portal()
    {
        using var portal = new PortalFactory();
        using var browser = portal.CreateClient(new() { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");

        using (var english = await browser.GetAsync("/signed-out"))
        {
            var html = await english.Content.ReadAsStringAsync();
            Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
            Assert.Matches("<a href=\"language/da\\?returnUrl=signed-out\" lang=\"da\" hreflang=\"da\"[^>]*>Dansk</a>", html);
        }

        using (var switched = await browser.GetAsync("/language/da?returnUrl=signed-out%3Fconsent%3Dwithdrawn"))
        {
            Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
            Assert.Equal("/signed-out?consent=withdrawn", switched.Headers.Location?.OriginalString);
            var cookie = Assert.Single(switched.Headers.GetValues("Set-Cookie"), c => c.StartsWith(PortalCulture.LanguageCookie + "=", StringComparison.Ordinal));
            Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        }

        // The cookie (as the browser sends it back) wins over the browser's English.
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/signed-out"))
        {
            request.Headers.Add("Cookie", $"{PortalCulture.LanguageCookie}=c%3Dda%7Cuic%3Dda");
            using var danish = await browser.SendAsync(request);
            var html = await danish.Content.ReadAsStringAsync();
            Assert.Contains("<html lang=\"da\">", html, StringComparison.Ordinal);
            Assert.Contains("Du er logget ud", html, StringComparison.Ordinal);
            Assert.Matches(">English</a>", html);
        }

        foreach (var returnUrl in new[] { "//evil.example/x", "/\\evil.example", "\\\\evil.example", "https://evil.example/", "javascript:alert(1)" })
        {
            using var refused = await browser.GetAsync($"/language/en?returnUrl={Uri.EscapeDataString(returnUrl)}");
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.Equal("/", refused.Headers.Location?.OriginalString);
        }

        using var unknown = await browser.GetAsync("/language/de?returnUrl=verify");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.False(unknown.Headers.Contains("Set-Cookie"));
    }

    [Theory]
    [InlineData("da", "da")]
    [InlineData("da-DK,en;q=0.5", "da")]
    [InlineData("en-US,da;q=0.9", "en")]
    [InlineData("de-DE", "en")]
    [InlineData("", "en")]
    public async Task The_browsers_first_language_decides_and_the_staff_pages_stay_english(string acceptLanguage, string expected)
    {
        using var portal = new PortalFactory();
        using var browser = portal.CreateClient(new() { BaseAddress = new Uri("https://localhost") });
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        if (acceptLanguage.Length > 0)
        {
            browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd(acceptLanguage);
        }

        var page = await browser.GetStringAsync("/signed-out");
        Assert.Contains($"<html lang=\"{expected}\">", page, StringComparison.Ordinal);
        Assert.Contains(Text("SignedOut.Title", expected), page, StringComparison.Ordinal);

        var login = await browser.GetStringAsync("/Account/Login");
        Assert.Contains("<html lang=\"en\">", login, StringComparison.Ordinal);
        Assert.Contains("Log in", login, StringComparison.Ordinal);
    }

    /// <summary>The page is in <paramref name="language"/>: its lang attribute, no resource key shown, no text of the other language.</summary>
    private static void AssertSpeaks(string language, Page page, string path)
    {
        Assert.True(page.Uri.AbsolutePath == path, $"Expected {path}, got {page.Uri}: {page.Text}");
        Assert.Contains($"<html lang=\"{language}\">", page.Html, StringComparison.Ordinal);
        var visible = VisibleText(page.Html);
        var other = language == "da" ? "en" : "da";
        foreach (DictionaryEntry entry in Texts.GetResourceSet(CultureInfo.InvariantCulture, true, true)!)
        {
            var key = (string)entry.Key;
            Assert.False(visible.Contains(key, StringComparison.Ordinal), $"{path} ({language}) shows the key {key}, a missing text");
            if (Text(key, "da") == Text(key, "en"))
            {
                continue;
            }

            // Long runs of the other language's text, between placeholders: short words ("Sent", "Svar") can be names.
            foreach (var fragment in Placeholder().Split(Text(key, other)).Where(f => f.Trim().Length >= 16))
            {
                Assert.False(visible.Contains(fragment.Trim(), StringComparison.Ordinal), $"{path} ({language}) shows '{fragment.Trim()}' ({key}) in the other language");
            }
        }
    }

    /// <summary>The text of <paramref name="key"/>, filled in when <paramref name="values"/> are given, else as written.</summary>
    private static string Text(string key, string language, params object[] values)
    {
        var culture = CultureInfo.GetCultureInfo(language);
        var text = Texts.GetString(key, culture) ?? throw new InvalidOperationException(key);
        return values.Length == 0 ? text : string.Format(culture, text, values);
    }

    /// <summary>The text a person sees or hears: elements' text, plus labels given by attributes, without scripts' data.</summary>
    private static string VisibleText(string html)
    {
        var withoutData = DataTexts().Replace(html, "");
        var labels = string.Join(" ", AriaLabels().Matches(withoutData).Select(m => m.Groups[1].Value));
        return WebUtility.HtmlDecode(Tags().Replace(withoutData, " ") + " " + labels);
    }

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex("(?:aria-label|title|alt)=\"([^\"]*)\"")]
    private static partial Regex AriaLabels();

    [GeneratedRegex("data-texts=\"[^\"]*\"")]
    private static partial Regex DataTexts();
}
