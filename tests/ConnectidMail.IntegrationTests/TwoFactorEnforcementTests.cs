using System.Net;
using System.Text.RegularExpressions;
using ConnectidMail.Staff;
using ConnectidMail.Testing;

namespace ConnectidMail.IntegrationTests;

/// <summary>
/// <c>Staff:RequireTwoFactorForRoles</c> (default Admin) is enforced by the server on every request, not by the
/// login page alone: until such a user has a second factor, only the enrolment pages and signing out answer.
/// </summary>
public sealed partial class TwoFactorEnforcementTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string Password = "a sufficiently long password";
    private const string EnrolPath = "/Account/Manage/EnrolTwoFactor";

    [Fact]
    public async Task An_admin_without_a_second_factor_reaches_only_the_enrolment_pages_and_sign_out()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Admin, Password);
        using var session = new StaffSession(fixture.Portal);

        var (_, location, _) = await session.LogInAsync(email, Password);
        Assert.Equal($"{EnrolPath}?returnUrl=%2F", location);

        foreach (var page in new[] { "/", "/Account/Manage", "/Account/Manage/ChangePassword" })
        {
            Assert.Equal($"{EnrolPath}?returnUrl={Uri.EscapeDataString(page)}", await session.LandingOfAsync(page));
        }

        foreach (var page in new[] { EnrolPath, "/Account/Manage/EnableAuthenticator", "/Account/Manage/Passkeys", "/Account/Login" })
        {
            Assert.Equal(page, await session.LandingOfAsync(page));
        }

        // A form post to a staff page and an interactive circuit are refused as well.
        var token = StaffSession.AntiforgeryToken(await session.Client.GetStringAsync(EnrolPath));
        using var post = await session.Client.PostAsync("/Account/Manage/ChangePassword", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "change-password",
            ["__RequestVerificationToken"] = token,
            ["Input.CurrentPassword"] = Password,
            ["Input.NewPassword"] = "a new password chosen before enrolling",
            ["Input.ConfirmPassword"] = "a new password chosen before enrolling",
        }));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        using var circuit = await session.Client.PostAsync("/_blazor/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.Forbidden, circuit.StatusCode);

        using var logout = await session.Client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal("/Account/Login?ReturnUrl=%2F", await session.LandingOfAsync("/"));

        // The password did not change.
        var (_, again, _) = await session.LogInAsync(email, Password);
        Assert.Equal($"{EnrolPath}?returnUrl=%2F", again);
    }

    [Fact]
    public async Task Opening_the_authenticator_set_up_leaves_requests_sent_with_the_earlier_cookie_signed_in()
    {
        // A browser still fetching the previous page's assets sends the cookie it had; neither the first key nor a
        // validated request may change what that cookie is worth, or the session drops out between two clicks.
        var email = await fixture.CreateUserAsync(StaffRoles.Admin, Password);
        using var browser = new StaffSession(fixture.Portal);
        await browser.LogInAsync(email, Password);
        var earlierCookies = new CookieContainer();
        earlierCookies.Add(browser.Cookies.GetAllCookies());

        Assert.Matches(AuthenticatorKey(), await browser.Client.GetStringAsync("/Account/Manage/EnableAuthenticator"));

        using var inFlight = new StaffSession(fixture.Portal, earlierCookies);
        using var response = await inFlight.Client.GetAsync(EnrolPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var reissued) && reissued.Any(c => c.StartsWith("__Host-Identity.Application", StringComparison.Ordinal)),
            "A plain request re-issued the staff cookie; a late answer like it would overwrite a newer cookie.");
        Assert.Equal("/Account/Manage/EnableAuthenticator", await browser.LandingOfAsync("/Account/Manage/EnableAuthenticator"));
    }

    [Fact]
    public async Task Setting_up_an_authenticator_opens_the_portal_and_later_sign_ins_need_a_fresh_code()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Admin, Password);
        using var enrolling = new StaffSession(fixture.Portal);
        await enrolling.LogInAsync(email, Password);

        var setupPage = await enrolling.Client.GetStringAsync("/Account/Manage/EnableAuthenticator");
        var app = new TotpAuthenticator(AuthenticatorKey().Match(setupPage).Groups[1].Value);
        var enrolmentCode = await app.NextCodeAsync();
        var (status, _, body) = await enrolling.SubmitFormAsync("/Account/Manage/EnableAuthenticator", "enable-authenticator", new() { ["Input.Code"] = enrolmentCode });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(10, RecoveryCode().Matches(body).Count);
        Assert.Equal("/", await enrolling.LandingOfAsync("/"));

        using var later = new StaffSession(fixture.Portal);
        var (_, location, _) = await later.LogInAsync(email, Password);
        Assert.Equal("/Account/LoginWith2fa?returnUrl=%2F", location);
        Assert.Equal("/Account/Login?ReturnUrl=%2F", await later.LandingOfAsync("/"));

        foreach (var refused in new[] { app.WrongCode(), enrolmentCode })
        {
            var (wrongStatus, wrongLocation, wrongBody) = await later.SubmitFormAsync("/Account/LoginWith2fa?returnUrl=%2F", "login-with-2fa", new() { ["Input.Code"] = refused });
            Assert.Equal(HttpStatusCode.OK, wrongStatus);
            Assert.Null(wrongLocation);
            Assert.Contains("That code is not right.", wrongBody, StringComparison.Ordinal);
        }

        var (_, signedIn, _) = await later.SubmitFormAsync("/Account/LoginWith2fa?returnUrl=%2F", "login-with-2fa", new() { ["Input.Code"] = await app.NextCodeAsync() });
        Assert.Equal("/", signedIn);
        Assert.Equal("/", await later.LandingOfAsync("/"));
    }

    [Fact]
    public async Task Roles_outside_the_setting_sign_in_with_a_password_alone()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        using var session = new StaffSession(fixture.Portal);

        var (_, location, _) = await session.LogInAsync(email, Password);

        Assert.Equal("/", location);
        Assert.Equal("/", await session.LandingOfAsync("/"));
        Assert.Equal("/Account/Manage", await session.LandingOfAsync("/Account/Manage"));
    }

    [Fact]
    public async Task The_setting_names_the_roles_case_insensitively_and_replaces_the_default()
    {
        using var portal = new PortalFactory(new Dictionary<string, string?> { ["Staff:RequireTwoFactorForRoles"] = "sender, Auditor" });
        var sender = await CreateUserAsync(portal, StaffRoles.Sender);
        var admin = await CreateUserAsync(portal, StaffRoles.Admin);

        using var senderSession = new StaffSession(portal);
        Assert.Equal($"{EnrolPath}?returnUrl=%2F", (await senderSession.LogInAsync(sender, Password)).Location);
        using var adminSession = new StaffSession(portal);
        Assert.Equal("/", (await adminSession.LogInAsync(admin, Password)).Location);
    }

    [Fact]
    public void The_test_authenticator_computes_the_rfc_6238_reference_codes()
    {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890"; the 6-digit codes are the last six of the 8-digit ones.
        var app = new TotpAuthenticator("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        Assert.Equal("287082", app.CodeFor(59 / 30));
        Assert.Equal("081804", app.CodeFor(1111111109 / 30));
        Assert.Equal("005924", app.CodeFor(1234567890 / 30));
    }

    private static async Task<string> CreateUserAsync(PortalFactory portal, string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var result = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", role, "--password", Password);
        Assert.True(result.ExitCode == 0, result.Error);
        return email;
    }

    [GeneratedRegex("id=\"authenticator-key\">([a-z0-9 ]+)<")]
    private static partial Regex AuthenticatorKey();

    [GeneratedRegex("<code>[2-9B-Y]{5}-[2-9B-Y]{5}</code>")]
    private static partial Regex RecoveryCode();
}
