using System.Net;
using System.Text.RegularExpressions;
using ConnectidMail.Testing;
using MimeKit;

namespace ConnectidMail.IntegrationTests.Recipient;

/// <summary>
/// A recipient's browser as far as HTTP goes: its own cookies, the link from the notification mail, the verification
/// and consent forms posted as the pages post them (with their antiforgery tokens), and the code from the code mail.
/// </summary>
internal sealed partial class RecipientClient(PortalFactory portal, SmtpSink sink, string email) : IDisposable
{
    private readonly HttpClient client = portal.CreateClient(new() { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = true });

    public HttpClient Http => client;

    public string Email => email;

    public async Task<string> LinkTokenAsync()
    {
        var mail = await sink.WaitForMessageAsync(m => IsTo(m) && LinkPattern().IsMatch(m.TextBody ?? ""));
        return LinkPattern().Match(mail.TextBody!).Groups["token"].Value;
    }

    /// <summary>Follows the link from the mail; returns the page it ends on.</summary>
    public async Task<Page> OpenLinkAsync() => await GetAsync($"/r/{await LinkTokenAsync()}");

    public async Task<Page> GetAsync(string path)
    {
        using var response = await client.GetAsync(path);
        return await Page.ReadAsync(response);
    }

    /// <summary>Posts the named form of the page at <paramref name="path"/> with <paramref name="fields"/>.</summary>
    public async Task<Page> PostFormAsync(string path, string formName, params (string Name, string Value)[] fields)
    {
        var form = await GetAsync(path);
        var values = new List<KeyValuePair<string, string>>
        {
            new("_handler", formName),
            new("__RequestVerificationToken", form.Field("__RequestVerificationToken") ?? throw new InvalidOperationException($"No form on {path}: {form.Html}")),
        };
        values.AddRange(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        using var response = await client.PostAsync(path, new FormUrlEncodedContent(values));
        return await Page.ReadAsync(response);
    }

    public Task<Page> AskForCodeAsync() => PostFormAsync("/verify", "send-code");

    public Task<Page> EnterCodeAsync(string code) => PostFormAsync("/verify", "verify", ("Code", code));

    /// <summary>The code in the latest code mail to this address.</summary>
    public async Task<string> CodeAsync(int mailsBefore = 0)
    {
        await sink.WaitForMessageAsync(m => IsTo(m) && CodePattern().IsMatch(m.TextBody ?? "") && sink.Messages.Count(IsTo) > mailsBefore);
        var mail = sink.Messages.Last(m => IsTo(m) && CodePattern().IsMatch(m.TextBody ?? ""));
        return CodePattern().Match(mail.TextBody!).Value.Trim();
    }

    public int MailCount => sink.Messages.Count(IsTo);

    /// <summary>Consents on the consent page the verification led to.</summary>
    public async Task<Page> ConsentAsync(Page consentPage)
    {
        var path = consentPage.Uri.PathAndQuery;
        return await PostFormAsync(
            path,
            "consent",
            ("Agree", "yes"),
            ("Version", consentPage.Field("Version")!),
            ("Language", consentPage.Field("Language")!),
            ("Hash", consentPage.Field("Hash")!));
    }

    /// <summary>Link, code, consent: ends on the message the link points to.</summary>
    public async Task<Page> VerifyAndConsentAsync()
    {
        await OpenLinkAsync();
        var before = MailCount;
        await AskForCodeAsync();
        var verified = await EnterCodeAsync(await CodeAsync(before));
        return verified.Uri.AbsolutePath == "/consent" ? await ConsentAsync(verified) : verified;
    }

    public void Dispose() => client.Dispose();

    private bool IsTo(MimeMessage m) => m.To.Mailboxes.Any(b => b.Address == email);

    [GeneratedRegex(@"/r/(?<token>[A-Za-z0-9_-]{43})")]
    private static partial Regex LinkPattern();

    // The code stands alone on its line: addresses in these tests hold GUIDs, which can hold runs of 8 digits.
    [GeneratedRegex(@"^[ \t]*\d{8}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex CodePattern();
}

/// <summary>A page as the browser got it: where it ended after redirects, its status, headers and HTML.</summary>
internal sealed partial record Page(Uri Uri, HttpStatusCode Status, string? CacheControl, string Html)
{
    public static async Task<Page> ReadAsync(HttpResponseMessage response) => new(
        response.RequestMessage!.RequestUri!,
        response.StatusCode,
        response.Headers.CacheControl?.ToString(),
        await response.Content.ReadAsStringAsync());

    /// <summary>The main part's text, tags dropped and entities decoded.</summary>
    public string Text => WebUtility.HtmlDecode(Tags().Replace(Html[Math.Max(0, Html.IndexOf("<main", StringComparison.Ordinal))..], " "));

    public string? Field(string name) =>
        Regex.Match(Html, $"name=\"{Regex.Escape(name)}\" value=\"(?<v>[^\"]*)\"") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups["v"].Value) : null;

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();
}
