using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>Two-factor sign-in with an authenticator app, and the enrolment that Staff:RequireTwoFactorForRoles (default Admin) forces.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TwoFactorTests(BrowserFixture browser, PortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<PortalFixture>
{
    private const string EnrolPath = "/Account/Manage/EnrolTwoFactor";

    [Fact]
    public async Task An_admin_without_two_factor_is_sent_to_enrol_and_cannot_open_the_dashboard_first()
    {
        var admin = await Portal.CreateUserWithoutTwoFactorAsync(StaffRoles.Admin);

        await Session.GotoAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(admin.Email, admin.Password);

        await Session.WaitForPathAsync(EnrolPath);
        await Expect(Session.PageHeading("Set up two-factor sign-in")).ToBeVisibleAsync();
        await Expect(Session.Page.GetByRole(AriaRole.Link, new() { Name = "Set up an authenticator app" })).ToBeVisibleAsync();
        await Expect(Session.Page.GetByRole(AriaRole.Link, new() { Name = "Add a passkey" })).ToBeVisibleAsync();

        // Every other staff page, typed in or followed from the header, leads back here.
        foreach (var path in new[] { "/", "/?tab=staff", "/Account/Manage", "/Account/Manage/ChangePassword" })
        {
            await Session.GotoAsync(path);
            Assert.Equal(EnrolPath, Session.CurrentPath);
            await Expect(Session.PageHeading("Dashboard")).ToHaveCountAsync(0);
        }

        Assert.Equal("/Account/Manage/ChangePassword", Session.CurrentQuery["returnUrl"]);
        await Expect(Session.Page.GetByText(admin.Email)).ToBeVisibleAsync();

        // Signing out stays possible.
        await Session.LogOutButton.ClickAsync();
        await Session.WaitForPathAsync(BrowserSession.LoginPath);
        Assert.False(await Session.HasStaffCookieAsync(), "Logging out during enrolment left the session cookie.");
    }

    [Fact]
    public async Task An_authenticator_app_set_up_at_enrolment_signs_in_refuses_a_wrong_code_and_recovery_codes_work_once()
    {
        var admin = await Portal.CreateUserWithoutTwoFactorAsync(StaffRoles.Admin);

        // Enrol: password, then the authenticator set-up the portal insists on.
        await Session.GotoAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(admin.Email, admin.Password);
        await Session.WaitForPathAsync(EnrolPath);
        await Session.Page.GetByRole(AriaRole.Link, new() { Name = "Set up an authenticator app" }).ClickAsync();
        await Session.WaitForPathAsync("/Account/Manage/EnableAuthenticator");
        await Expect(Session.PageHeading("Set up an authenticator app")).ToBeVisibleAsync();

        var key = await Session.Page.Locator("#authenticator-key").InnerTextAsync();
        var setupAddress = await Session.Page.Locator("#authenticator-uri").InnerTextAsync();
        var app = new TotpAuthenticator(key);
        Assert.StartsWith("otpauth://totp/ConnectidMail%3A", setupAddress, StringComparison.Ordinal);
        Assert.Contains($"secret={key.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()}", setupAddress, StringComparison.Ordinal);

        await VerificationCodeBox.FillAsync(app.WrongCode());
        await VerifyButton.ClickAsync();
        await Expect(Session.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That code is not right");

        await VerificationCodeBox.FillAsync(await app.NextCodeAsync());
        await VerifyButton.ClickAsync();
        await Expect(Session.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your authenticator app is set up");
        var recoveryCodeItems = Session.Page.GetByRole(AriaRole.List, new() { Name = "Your recovery codes" }).GetByRole(AriaRole.Listitem);
        await Expect(recoveryCodeItems).ToHaveCountAsync(10);
        var recoveryCodes = await recoveryCodeItems.AllInnerTextsAsync();
        Assert.Equal(10, recoveryCodes.Distinct().Count());
        Assert.All(recoveryCodes, code => Assert.Matches("^[A-Z0-9]{5}-[A-Z0-9]{5}$", code));

        await Session.Page.GetByRole(AriaRole.Link, new() { Name = "Continue" }).ClickAsync();
        await Session.WaitForPathAsync("/");
        await Expect(Session.PageHeading("Dashboard")).ToBeVisibleAsync();
        await LogOutAsync();

        // Password, then a wrong code (refused), then the app's code.
        await Session.GotoAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(admin.Email, admin.Password);
        await Session.WaitForPathAsync(BrowserSession.TwoFactorPath);
        Assert.False(await Session.HasStaffCookieAsync(), "The password alone set the session cookie.");
        await Session.SubmitAuthenticatorCodeAsync(app.WrongCode());
        await Expect(Session.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That code is not right");
        Assert.Equal(BrowserSession.TwoFactorPath, Session.CurrentPath);
        Assert.False(await Session.HasStaffCookieAsync(), "A wrong authenticator code set the session cookie.");

        await Session.SubmitAuthenticatorCodeAsync(await app.NextCodeAsync());
        await Session.WaitForPathAsync("/");
        await Expect(Session.PageHeading("Dashboard")).ToBeVisibleAsync();
        await LogOutAsync();

        // A recovery code instead of the app, once.
        await SignInWithRecoveryCodeAsync(admin, recoveryCodes[3]);
        await Session.WaitForPathAsync("/");
        await Expect(Session.PageHeading("Dashboard")).ToBeVisibleAsync();
        await Session.GotoAsync("/Account/Manage");
        await Expect(Session.Page.GetByText("You have 9 recovery codes left.")).ToBeVisibleAsync();
        await LogOutAsync();

        await SignInWithRecoveryCodeAsync(admin, recoveryCodes[3]);
        await Expect(Session.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That recovery code is not right or has been used");
        Assert.False(await Session.HasStaffCookieAsync(), "A used recovery code set the session cookie.");

        // Typed loosely (lower case, no hyphen), another code still works.
        await RecoveryCodeBox.FillAsync(recoveryCodes[7].Replace("-", "", StringComparison.Ordinal).ToLowerInvariant());
        await Session.LogInButton.ClickAsync();
        await Session.WaitForPathAsync("/");
        await Expect(Session.PageHeading("Dashboard")).ToBeVisibleAsync();
        Assert.Empty(Session.BrowserErrors);
    }

    [Fact]
    public async Task New_recovery_codes_replace_the_old_ones_and_an_admin_cannot_turn_off_the_only_second_factor()
    {
        var admin = await Portal.CreateUserAsync(StaffRoles.Admin);
        await Session.SignInAsync(admin);
        await Session.Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Account" }).ClickAsync();
        await Session.WaitForPathAsync("/Account/Manage");
        await Expect(Session.PageHeading("Account")).ToBeVisibleAsync();

        await Expect(Session.Page.GetByRole(AriaRole.Button, new() { Name = "Turn off the authenticator app" })).ToHaveCountAsync(0);
        await Session.Page.GetByRole(AriaRole.Button, new() { Name = "Generate new recovery codes" }).ClickAsync();
        var codeItems = Session.Page.GetByRole(AriaRole.List, new() { Name = "Your recovery codes" }).GetByRole(AriaRole.Listitem);
        await Expect(codeItems).ToHaveCountAsync(10);
        var codes = await codeItems.AllInnerTextsAsync();
        Assert.Equal(10, codes.Count);
        await Expect(Session.Page.GetByText("You have 10 recovery codes left.")).ToBeVisibleAsync();

        // The codes are shown once: reloading the page does not show them again.
        await Session.GotoAsync("/Account/Manage");
        await Expect(Session.Page.GetByRole(AriaRole.List, new() { Name = "Your recovery codes" })).ToHaveCountAsync(0);
        await LogOutAsync();

        await SignInWithRecoveryCodeAsync(admin, codes[0]);
        await Session.WaitForPathAsync("/");
        await Expect(Session.PageHeading("Dashboard")).ToBeVisibleAsync();
    }

    private ILocator VerificationCodeBox => Session.Page.GetByLabel("Verification code", new() { Exact = true });

    private ILocator VerifyButton => Session.Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true });

    private ILocator RecoveryCodeBox => Session.Page.GetByLabel("Recovery code", new() { Exact = true });

    private async Task SignInWithRecoveryCodeAsync(StaffCredentials credentials, string recoveryCode)
    {
        await Session.GotoAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(credentials.Email, credentials.Password);
        await Session.WaitForPathAsync(BrowserSession.TwoFactorPath);
        await Session.Page.GetByRole(AriaRole.Link, new() { Name = "Log in with a recovery code" }).ClickAsync();
        await Session.WaitForPathAsync("/Account/LoginWithRecoveryCode");
        await RecoveryCodeBox.FillAsync(recoveryCode);
        await Session.LogInButton.ClickAsync();
    }

    private async Task LogOutAsync()
    {
        await Session.LogOutButton.ClickAsync();
        await Session.WaitForPathAsync(BrowserSession.LoginPath);
    }
}
