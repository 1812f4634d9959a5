using System.Net;
using ConnectidMail.Staff;
using ConnectidMail.Testing;

namespace ConnectidMail.IntegrationTests;

public sealed class StaffSignInTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string Password = "a sufficiently long password";
    private const string FailedMessage = "The email or password is not right.";

    [Fact]
    public async Task The_dashboard_needs_a_signed_in_user()
    {
        using var session = new StaffSession(fixture.Portal);
        using var response = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("https://localhost/Account/Login?ReturnUrl=%2F", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_staff_member_signs_in_with_a_secure_host_cookie_and_reaches_the_dashboard()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        using var session = new StaffSession(fixture.Portal);

        var (status, location, _) = await session.LogInAsync(email, Password);

        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.Equal("/", location);
        var dashboard = await session.Client.GetStringAsync("/");
        Assert.Contains("<h1>Dashboard</h1>", dashboard, StringComparison.Ordinal);
        Assert.Contains(email, dashboard, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sign_in_cookie_is_a_secure_httponly_host_cookie()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        using var session = new StaffSession(fixture.Portal);
        var form = await session.Client.GetAsync("/Account/Login");
        var antiforgery = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__Host-ConnectidMail.Antiforgery=", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", antiforgery, StringComparison.OrdinalIgnoreCase);

        // The session client keeps cookies; a raw look at the sign-in response shows the flags.
        var (_, location, _) = await session.LogInAsync(email, Password);
        Assert.Equal("/", location);
        using var probe = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_address_get_the_same_answer()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        using var session = new StaffSession(fixture.Portal);

        var wrongPassword = await session.LogInAsync(email, Password + "x");
        var unknownUser = await session.LogInAsync("nobody-" + email, Password);

        foreach (var (status, location, body) in new[] { wrongPassword, unknownUser })
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Null(location);
            Assert.Contains(FailedMessage, body, StringComparison.Ordinal);
        }

        using var dashboard = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_so_the_right_one_is_refused_next()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        using var session = new StaffSession(fixture.Portal);

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var (_, location, body) = await session.LogInAsync(email, $"wrong password {attempt}");
            Assert.Null(location);
            Assert.Contains(FailedMessage, body, StringComparison.Ordinal);
        }

        var fifth = await session.LogInAsync(email, "wrong password 5");
        Assert.Equal("/Account/Lockout", fifth.Location);

        var rightPassword = await session.LogInAsync(email, Password);
        Assert.Equal("/Account/Lockout", rightPassword.Location);
        using var dashboard = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
    }

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/Account/AccessDenied", "/Account/AccessDenied")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    public async Task After_sign_in_only_local_return_addresses_are_followed(string returnUrl, string expected)
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Auditor, Password);
        using var session = new StaffSession(fixture.Portal);

        var (_, location, _) = await session.LogInAsync(email, Password, returnUrl);

        Assert.Equal(expected, location);
    }

    [Fact]
    public async Task Log_out_ends_the_session()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        using var session = new StaffSession(fixture.Portal);
        await session.LogInAsync(email, Password);
        var dashboard = await session.Client.GetStringAsync("/");
        var token = System.Text.RegularExpressions.Regex.Match(dashboard, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;

        using var logout = await session.Client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        using var after = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    [Fact]
    public async Task Log_out_without_an_antiforgery_token_is_refused()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        using var session = new StaffSession(fixture.Portal);
        await session.LogInAsync(email, Password);

        using var logout = await session.Client.PostAsync("/Account/Logout", new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        using var after = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task There_is_no_public_self_registration()
    {
        using var client = fixture.Portal.CreateClient();
        foreach (var path in new[] { "/Account/Register", "/Account/ExternalLogin", "/Account/ForgotPassword" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_sign_in_survives_a_restart_because_the_key_ring_is_in_the_database()
    {
        using var first = new PortalFactory();
        var email = $"restart-{Guid.NewGuid():N}@example.com";
        var created = await AdminCliRunner.RunAsync(first, "create-user", "--email", email, "--role", "Sender", "--password", Password);
        Assert.True(created.ExitCode == 0, created.Error);
        using var before = new StaffSession(first);
        Assert.Equal("/", (await before.LogInAsync(email, Password)).Location);
        Assert.True(await first.WithDbAsync(db => Task.FromResult(db.DataProtectionKeys.Any())), "No DataProtection key was written to the database.");

        using var second = new PortalFactory(first.DataSettings);
        using var after = new StaffSession(second, before.Cookies);
        using var response = await after.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(email, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
