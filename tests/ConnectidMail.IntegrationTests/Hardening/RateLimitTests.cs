using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ConnectidMail.IntegrationTests.Messaging;
using ConnectidMail.IntegrationTests.Recipient;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>
/// Each limited action refuses the request after its limit within a window, with 429, <c>Retry-After</c> and a
/// readable page (people) or problem details (API), before any costly work; other subjects are not affected.
/// </summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task The_sixth_code_check_within_a_window_is_refused_before_the_code_is_looked_at()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(Limit(sink.PortalSettings(), "CodeChecks", perSubject: 5)));
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, $"limited-{Guid.NewGuid():N}@example.com");
        await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Limited", body = "Never shown" });
        await recipient.OpenLinkAsync();
        var before = recipient.MailCount;
        await recipient.AskForCodeAsync();
        var code = await recipient.CodeAsync(before);

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var page = await recipient.EnterCodeAsync("00000000");
            Assert.Equal(HttpStatusCode.OK, page.Status);
        }

        using var sixth = await PostVerifyAsync(recipient, code);
        await AssertRefusedPageAsync(sixth);
        Assert.Equal(0, await portal.WithDbAsync(db => db.RecipientSessions.CountAsync(s => s.Email == recipient.Email)));
    }

    [Fact]
    public async Task Code_requests_beyond_the_limit_are_refused_although_the_hourly_database_limit_is_not_reached()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(Limit(sink.PortalSettings(), "CodeRequests", perSubject: 2)));
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, $"requests-{Guid.NewGuid():N}@example.com");
        await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Limited", body = "Never shown" });
        recipient.Http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        await recipient.OpenLinkAsync();

        Assert.Equal(HttpStatusCode.OK, (await recipient.AskForCodeAsync()).Status);
        Assert.Equal(HttpStatusCode.OK, (await recipient.AskForCodeAsync()).Status);
        var third = await recipient.AskForCodeAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, third.Status);
        Assert.Contains("Too many attempts", third.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_lookups_beyond_the_limit_from_one_client_are_refused_even_for_a_real_link_and_allowed_again_after_the_window()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(Limit(sink.PortalSettings(), "LinkLookups", perClient: 3, windowSeconds: 4)));
        using var sender = await SenderClientAsync(portal);
        var email = $"links-{Guid.NewGuid():N}@example.org";
        await SendAsync(sender, new { to = new[] { email }, subject = "Hello", body = "Hi" });
        using var recipient = new RecipientClient(portal, sink, email);
        var token = await recipient.LinkTokenAsync();
        using var browser = portal.CreateClient(new() { AllowAutoRedirect = false });

        for (var miss = 0; miss < 3; miss++)
        {
            using var notFound = await GetHtmlAsync(browser, $"/r/{Guid.NewGuid():N}{Guid.NewGuid():N}"[..46]);
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        }

        using (var refused = await GetHtmlAsync(browser, $"/r/{token}"))
        {
            await AssertRefusedPageAsync(refused);
            Assert.Equal("no-store", refused.Headers.CacheControl?.ToString());
            await Task.Delay(refused.Headers.RetryAfter!.Delta!.Value + TimeSpan.FromMilliseconds(500));
        }

        using var again = await GetHtmlAsync(browser, $"/r/{token}");
        Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);
    }

    [Fact]
    public async Task Sign_ins_beyond_the_limit_for_one_address_are_refused_before_the_password_is_checked_and_others_still_sign_in()
    {
        using var portal = new PortalFactory(Limit(new Dictionary<string, string?>(), "StaffSignIn", perSubject: 3));
        var target = await CreateUserAsync(portal, StaffRoles.Sender);
        var other = await CreateUserAsync(portal, StaffRoles.Sender);
        using var session = new StaffSession(portal);
        session.Client.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var (status, _, _) = await session.LogInAsync(target, "not the password at all");
            Assert.Equal(HttpStatusCode.OK, status);
        }

        using var refused = await session.PostFormAsync("/Account/Login", "login", new Dictionary<string, string> { ["Input.Email"] = target, ["Input.Password"] = MessagingApi.Password });
        await AssertRefusedPageAsync(refused);
        // The refused attempt never reached the password check: it did not count towards the account's lockout.
        Assert.Equal(3, await portal.WithDbAsync(db => db.Users.Where(u => u.Email == target).Select(u => u.AccessFailedCount).SingleAsync()));

        var (_, location, _) = await session.LogInAsync(other, MessagingApi.Password);
        Assert.Equal("/", location);
    }

    [Fact]
    public async Task Passkey_ceremonies_beyond_the_limit_are_refused()
    {
        using var portal = new PortalFactory(Limit(new Dictionary<string, string?>(), "Passkeys", perClient: 2));
        using var client = portal.CreateClient(new() { AllowAutoRedirect = false });

        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var expired = await client.PostAsync("/Account/PasskeyRequestOptions", new FormUrlEncodedContent([]));
            Assert.Equal(HttpStatusCode.BadRequest, expired.StatusCode);
        }

        using var refused = await client.PostAsync("/Account/PasskeyRequestOptions", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Recipient_passkey_ceremonies_beyond_the_limit_are_refused()
    {
        using var portal = new PortalFactory(Limit(new Dictionary<string, string?>(), "Passkeys", perClient: 2));
        using var client = portal.CreateClient(new() { AllowAutoRedirect = false });

        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var answered = await client.PostAsync("/recipient/passkeys/verify/options", JsonContent.Create(new { }));
            Assert.NotEqual(HttpStatusCode.TooManyRequests, answered.StatusCode);
        }

        using var refused = await client.PostAsync("/recipient/passkeys/verify", JsonContent.Create(new { }));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Calls_beyond_the_limit_for_one_api_key_are_refused_with_problem_details_and_another_key_is_not_affected()
    {
        using var portal = new PortalFactory(Limit(new Dictionary<string, string?>(), "ApiKeys", perSubject: 3));
        using var first = MessagingApi.Client(portal, (await MessagingApi.CreateUserWithKeyAsync(portal, StaffRoles.Sender)).Key);
        using var second = MessagingApi.Client(portal, (await MessagingApi.CreateUserWithKeyAsync(portal, StaffRoles.Sender)).Key);

        for (var call = 0; call < 3; call++)
        {
            using var ok = await first.GetAsync("/api/v1/me");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await first.GetAsync("/api/v1/me");
        var problem = await MessagingApi.ReadProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("Too many requests.", problem.GetProperty("title").GetString());

        using var other = await second.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Theory]
    [InlineData("--RateLimits:CodeChecks:PerSubject=0", "RateLimits:CodeChecks:PerSubject must be between 1 and 1000000.")]
    [InlineData("--RateLimits:ApiKeys:WindowSeconds=0", "RateLimits:ApiKeys:WindowSeconds must be between 1 and 86400.")]
    public async Task A_limit_out_of_range_stops_the_start(string setting, string message)
    {
        using var folder = new TempFolder();
        var error = new StringWriter();
        var exitCode = await Program.RunAsync(
            ["--environment=Development", $"--Storage:DataPath={folder.Combine("data")}", $"--Keys:MasterKeyFile={folder.Combine("keys", "master.key")}", setting],
            new ConnectidMail.Web.ConsoleStreams(new StringReader(""), new StringWriter(), error, InputIsTerminal: false));
        Assert.Equal(1, exitCode);
        Assert.Contains($"ConnectidMail cannot start: {message}", error.ToString(), StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Limit(
        IDictionary<string, string?> settings, string action, int perClient = 1000, int perSubject = 1000, int windowSeconds = 3600) =>
        new(settings)
        {
            [$"RateLimits:{action}:PerClient"] = perClient.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"RateLimits:{action}:PerSubject"] = perSubject.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"RateLimits:{action}:WindowSeconds"] = windowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

    private static async Task<string> CreateUserAsync(PortalFactory portal, string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var result = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", role, "--password", MessagingApi.Password);
        Assert.True(result.ExitCode == 0, result.Error);
        return email;
    }

    private static async Task<HttpResponseMessage> PostVerifyAsync(RecipientClient recipient, string code)
    {
        var form = await recipient.GetAsync("/verify");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/verify")
        {
            Content = new FormUrlEncodedContent(
            [
                new("_handler", "verify"),
                new("__RequestVerificationToken", form.Field("__RequestVerificationToken")!),
                new("Code", code),
            ]),
        };
        request.Headers.Accept.ParseAdd("text/html");
        return await recipient.Http.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> GetHtmlAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return await client.SendAsync(request);
    }

    /// <summary>429, when to come back, and a page a person can read that says so.</summary>
    private static async Task AssertRefusedPageAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "No Retry-After.");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Too many attempts</h1>", html, StringComparison.Ordinal);
        Assert.Contains("then try again", html, StringComparison.Ordinal);
    }
}
