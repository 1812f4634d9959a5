using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnectidMail.ApiKeys;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>Who calls: the columns of the authorisation matrix, in this order.</summary>
internal enum Caller
{
    Anonymous,
    RecipientA,
    RecipientB,
    SenderA,
    SenderB,
    Auditor,
    Admin,

    /// <summary>Sender A's API key.</summary>
    SenderKey,

    /// <summary>The auditor's API key.</summary>
    AuditorKey,

    /// <summary>A key of sender A's that was revoked.</summary>
    RevokedKey,
}

/// <summary>
/// A portal on Kestrel with one of everything, each caller signed in for real over HTTP: senders A and B (password),
/// an auditor (password), an admin (password and authenticator app), API keys of sender A and the auditor and a revoked
/// one, and recipients A and B verified by mail code with consent given. Sender A sent message A (with a file) to
/// recipient A, sender B message B (with a file) to recipient B; recipient A replied to message A with a file.
/// </summary>
internal sealed partial class SeededWorld : IAsyncDisposable
{
    public const string Password = "a sufficiently long password for the matrix";

    private readonly Dictionary<Caller, HttpCaller> callers = [];
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    private readonly Dictionary<Caller, string> emails = [];
    private readonly List<string> secrets = [];

    private SeededWorld(SmtpSink mail, PortalFactory portal)
    {
        Mail = mail;
        Portal = portal;
    }

    public SmtpSink Mail { get; }

    public PortalFactory Portal { get; }

    public Uri BaseAddress => Portal.ServerAddress!;

    /// <summary>The values that fill <c>{name}</c> placeholders in request paths: <c>messageA</c>, <c>fileA</c>, ...</summary>
    public IReadOnlyDictionary<string, string> Values => values;

    /// <summary>Every secret the seeding handled: link tokens, mail codes, API keys, the password, cookie values.</summary>
    public IReadOnlyList<string> Secrets => [.. secrets, .. callers.Values.SelectMany(c => c.CookieValues)];

    public HttpCaller this[Caller caller] => callers[caller];

    /// <summary>The address of each staff member and recipient.</summary>
    public IReadOnlyDictionary<Caller, string> Emails => emails;

    public static async Task<SeededWorld> CreateAsync(LogCollector? logs = null)
    {
        var mail = await SmtpSink.StartOnFreePortAsync();
        var port = PortalFactory.FreeTcpPort();
        var settings = new Dictionary<string, string?>(mail.PortalSettings())
        {
            ["Portal:PublicBaseUrl"] = $"http://localhost:{port}",
        };
        if (logs is not null)
        {
            settings["Logging:LogLevel:Default"] = "Trace";
            settings["Logging:LogLevel:Microsoft"] = "Trace";
            settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace";
            settings["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace";
        }

        var portal = new PortalFactory(settings)
        {
            TestServices = services =>
            {
                if (logs is not null)
                {
                    services.AddSingleton<ILoggerProvider>(logs);
                }
            },
        };
        portal.StartOnKestrel(port);
        var world = new SeededWorld(mail, portal);
        try
        {
            await world.SeedAsync();
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    /// <summary>Fills the <c>{name}</c> placeholders of a path from <see cref="Values"/>.</summary>
    public string Fill(string path) => Placeholder().Replace(path, m => values.TryGetValue(m.Groups[1].Value, out var value)
        ? value
        : throw new InvalidOperationException($"No seeded value for {{{m.Groups[1].Value}}} in '{path}'; known: {string.Join(", ", values.Keys)}."));

    /// <summary>A staff member signs in with the password (and the authenticator code when they have one); returns the path they land on.</summary>
    public async Task<string> SignInAsync(HttpCaller caller, string email, TotpAuthenticator? authenticator)
    {
        var (path, _) = await caller.FollowAsync(await caller.PostFormAsync("/Account/Login", "login", ("Input.Email", email), ("Input.Password", Password)));
        if (authenticator is not null)
        {
            Assert.StartsWith("/Account/LoginWith2fa", path, StringComparison.Ordinal);
            (path, _) = await caller.FollowAsync(await caller.PostFormAsync(path, "login-with-2fa", ("Input.Code", await authenticator.NextCodeAsync())));
        }

        return path;
    }

    /// <summary>Link from the mail, "Email me a code", the code, consent: a verified recipient on the message page.</summary>
    public async Task<string> VerifyRecipientAsync(HttpCaller caller, string email, string? wrongCodeFirst = null)
    {
        var token = LinkToken(await Mail.WaitForMessageAsync(m => IsTo(m, email) && LinkPattern().IsMatch(m.TextBody ?? ""), TimeSpan.FromSeconds(20)));
        secrets.Add(token);
        values.TryAdd("linkA", token);
        var (landing, _) = await caller.FollowAsync(await caller.GetAsync($"/r/{token}"));
        Assert.Equal("/verify", landing);
        var codesBefore = Mail.Messages.Count(m => IsTo(m, email) && CodePattern().IsMatch(m.TextBody ?? ""));
        (await caller.PostFormAsync("/verify", "send-code")).Dispose();
        await Mail.WaitForMessageAsync(
            m => IsTo(m, email) && CodePattern().IsMatch(m.TextBody ?? "") && Mail.Messages.Count(n => IsTo(n, email) && CodePattern().IsMatch(n.TextBody ?? "")) > codesBefore,
            TimeSpan.FromSeconds(20));
        var code = CodePattern().Match(Mail.Messages.Last(m => IsTo(m, email) && CodePattern().IsMatch(m.TextBody ?? "")).TextBody!).Value.Trim();
        secrets.Add(code);
        if (wrongCodeFirst is not null)
        {
            var (wrongPath, _) = await caller.FollowAsync(await caller.PostFormAsync("/verify", "verify", ("Code", wrongCodeFirst)));
            Assert.StartsWith("/verify", wrongPath, StringComparison.Ordinal);
        }

        var (verified, consentPage) = await caller.FollowAsync(await caller.PostFormAsync("/verify", "verify", ("Code", code)));
        Assert.StartsWith("/consent", verified, StringComparison.Ordinal);
        var (consented, _) = await caller.FollowAsync(await caller.PostFormAsync(
            verified,
            "consent",
            ("Agree", "yes"),
            ("Version", Field(consentPage, "Version")),
            ("Language", Field(consentPage, "Language")),
            ("Hash", Field(consentPage, "Hash"))));
        return consented;
    }

    public async Task<(string Email, string Key)> CreateStaffAsync(string role, bool withKey)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var user = await AdminCliRunner.RunAsync(Portal, "create-user", "--email", email, "--role", role, "--password", Password);
        Assert.True(user.ExitCode == 0, user.Error);
        if (!withKey)
        {
            return (email, "");
        }

        var key = await AdminCliRunner.RunAsync(Portal, "create-api-key", "--email", email, "--name", "matrix");
        Assert.True(key.ExitCode == 0, key.Error);
        secrets.Add(key.OutputLines[^1]);
        return (email, key.OutputLines[^1]);
    }

    /// <summary>Sends a message with files through the API; returns its id.</summary>
    public static async Task<JsonElement> SendAsync(HttpCaller sender, object message, params (string Name, byte[] Content)[] files)
    {
        using var form = new MultipartFormDataContent { { JsonContent.Create(message), "message" } };
        foreach (var (name, content) in files)
        {
            form.Add(new ByteArrayContent(content), "files", name);
        }

        using var response = await sender.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/messages") { Content = form });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
        using var view = await sender.GetAsync($"/api/v1/messages/{id}");
        return JsonDocument.Parse(await view.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var caller in callers.Values)
        {
            caller.Dispose();
        }

        await Portal.DisposeAsync();
        await Mail.DisposeAsync();
    }

    private async Task SeedAsync()
    {
        secrets.Add(Password);
        var (senderA, senderAKey) = await CreateStaffAsync(StaffRoles.Sender, withKey: true);
        var (senderB, senderBKey) = await CreateStaffAsync(StaffRoles.Sender, withKey: true);
        var (auditor, auditorKey) = await CreateStaffAsync(StaffRoles.Auditor, withKey: true);
        var (admin, _) = await CreateStaffAsync(StaffRoles.Admin, withKey: false);
        var revoked = await AdminCliRunner.RunAsync(Portal, "create-api-key", "--email", senderA, "--name", "revoked");
        Assert.True(revoked.ExitCode == 0, revoked.Error);
        var revokedKey = revoked.OutputLines[^1];
        secrets.Add(revokedKey);
        var revoke = await AdminCliRunner.RunAsync(Portal, "revoke-api-key", "--prefix", revokedKey[..(ApiKeyService.KeyPrefix.Length + 6)]);
        Assert.True(revoke.ExitCode == 0, revoke.Error);

        var recipientA = $"recipient-a-{Guid.NewGuid():N}@example.org";
        var recipientB = $"recipient-b-{Guid.NewGuid():N}@example.org";
        (emails[Caller.SenderA], emails[Caller.SenderB], emails[Caller.Auditor], emails[Caller.Admin]) = (senderA, senderB, auditor, admin);
        (emails[Caller.RecipientA], emails[Caller.RecipientB]) = (recipientA, recipientB);
        callers[Caller.SenderKey] = new HttpCaller(BaseAddress, nameof(Caller.SenderKey), senderAKey);
        callers[Caller.AuditorKey] = new HttpCaller(BaseAddress, nameof(Caller.AuditorKey), auditorKey);
        callers[Caller.RevokedKey] = new HttpCaller(BaseAddress, nameof(Caller.RevokedKey), revokedKey);
        using var senderBApi = new HttpCaller(BaseAddress, "sender B's key", senderBKey);

        var messageA = await SendAsync(callers[Caller.SenderKey], new { to = new[] { recipientA }, subject = "Matrix A", body = "Body A" }, ("a.txt", "File A"u8.ToArray()));
        var messageB = await SendAsync(senderBApi, new { to = new[] { recipientB }, subject = "Matrix B", body = "Body B" }, ("b.txt", "File B"u8.ToArray()));
        var revocable = await SendAsync(callers[Caller.SenderKey], new { to = new[] { recipientA }, subject = "Matrix A, to revoke", body = "Body A2" });
        values["messageA"] = messageA.GetProperty("id").GetString()!;
        values["messageB"] = messageB.GetProperty("id").GetString()!;
        values["revocableA"] = revocable.GetProperty("id").GetString()!;
        values["fileA"] = messageA.GetProperty("attachments")[0].GetProperty("id").GetString()!;
        values["fileB"] = messageB.GetProperty("attachments")[0].GetProperty("id").GetString()!;
        values["threadA"] = messageA.GetProperty("recipients")[0].GetProperty("id").GetString()!;
        values["threadB"] = messageB.GetProperty("recipients")[0].GetProperty("id").GetString()!;
        values["staffA"] = await Portal.WithDbAsync(db => db.Users.Where(u => u.Email == senderA).Select(u => u.Id).SingleAsync());
        values["staffB"] = await Portal.WithDbAsync(db => db.Users.Where(u => u.Email == senderB).Select(u => u.Id).SingleAsync());
        values["recipientB"] = recipientB;

        foreach (var (caller, email) in new[] { (Caller.RecipientA, recipientA), (Caller.RecipientB, recipientB) })
        {
            callers[caller] = new HttpCaller(BaseAddress, caller.ToString());
            // The link of the first message to each address.
            var landed = await VerifyRecipientAsync(callers[caller], email);
            Assert.StartsWith("/m/", landed, StringComparison.Ordinal);
            await callers[caller].ReadPageAsync("/inbox");
        }

        var adminAuthenticator = await TotpAuthenticator.EnableForAsync(Portal.Services, admin);

        foreach (var (caller, email, authenticator) in new[]
        {
            (Caller.SenderA, senderA, (TotpAuthenticator?)null), (Caller.SenderB, senderB, null), (Caller.Auditor, auditor, null), (Caller.Admin, admin, adminAuthenticator),
        })
        {
            callers[caller] = new HttpCaller(BaseAddress, caller.ToString());
            Assert.Equal("/", await SignInAsync(callers[caller], email, authenticator));
            await callers[caller].ReadPageAsync("/");
        }

        // The anonymous caller and the key callers hold an antiforgery token for no one, as a fresh browser does.
        callers[Caller.Anonymous] = new HttpCaller(BaseAddress, nameof(Caller.Anonymous));
        foreach (var caller in new[] { Caller.Anonymous, Caller.SenderKey, Caller.AuditorKey, Caller.RevokedKey })
        {
            await callers[caller].ReadPageAsync("/Account/Login");
        }

        // A reply of recipient A with a file, so reply files are in the world too.
        using (var reply = new HttpRequestMessage(HttpMethod.Post, $"/m/{values["messageA"]}/replies"))
        {
            reply.Headers.Add("RequestVerificationToken", callers[Caller.RecipientA].AntiforgeryToken);
            reply.Headers.Accept.ParseAdd("application/json");
            reply.Content = new MultipartFormDataContent
            {
                { new StringContent("Reply A") { Headers = { ContentType = null } }, "body" },
                { new ByteArrayContent("Reply file A"u8.ToArray()), "files", "reply-a.txt" },
            };
            using var answer = await callers[Caller.RecipientA].SendAsync(reply);
            Assert.True(answer.StatusCode == HttpStatusCode.Created, $"{(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        }

        using var withReply = await callers[Caller.SenderKey].GetAsync($"/api/v1/messages/{values["messageA"]}");
        var replies = JsonDocument.Parse(await withReply.Content.ReadAsStringAsync()).RootElement.GetProperty("replies");
        values["replyFileA"] = replies[0].GetProperty("attachments")[0].GetProperty("id").GetString()!;
    }

    private static string Field(string html, string name) =>
        Regex.Match(html, $"name=\"{Regex.Escape(name)}\" value=\"(?<v>[^\"]*)\"") is { Success: true } m
            ? WebUtility.HtmlDecode(m.Groups["v"].Value)
            : throw new InvalidOperationException($"No field {name} on the page.");

    private static bool IsTo(MimeKit.MimeMessage mail, string address) => mail.To.Mailboxes.Any(a => a.Address == address);

    private static string LinkToken(MimeKit.MimeMessage mail) => LinkPattern().Match(mail.TextBody!).Groups["token"].Value;

    [GeneratedRegex(@"/r/(?<token>[A-Za-z0-9_-]{43})")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^[ \t]*\d{8}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex Placeholder();
}
