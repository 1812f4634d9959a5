using ConnectidMail.Staff;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>Staff sign-in at /Account/Login, driven through the accessible names the design fixes.</summary>
[Collection(BrowserCollection.Name)]
public sealed class StaffSignInTests(BrowserFixture browser, PortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<PortalFixture>
{
    [Fact]
    public async Task Admin_created_with_the_cli_signs_in_and_sees_the_staff_accounts()
    {
        var colleague = await Portal.CreateUserAsync(StaffRoles.Sender);
        var admin = await Portal.CreateUserAsync(StaffRoles.Admin);

        await Session.GotoAsync(BrowserSession.LoginPath);
        await Expect(Session.PageHeading("Log in")).ToBeVisibleAsync();
        await Session.EmailBox.FillAsync(admin.Email);
        await Session.PasswordBox.FillAsync(admin.Password);
        await Session.LogInButton.ClickAsync();

        // Admins have a second factor (see PortalFixture.CreateUserAsync).
        await Session.WaitForPathAsync(BrowserSession.TwoFactorPath);
        await Session.SubmitAuthenticatorCodeAsync(await admin.Authenticator!.NextCodeAsync());

        await Session.WaitForPathAsync("/");
        await Expect(Session.PageHeading("Dashboard")).ToBeVisibleAsync();
        await Expect(Session.LogOutButton).ToBeVisibleAsync();

        var staff = Session.Section("Staff accounts");
        await Expect(staff).ToBeVisibleAsync();
        await Expect(StaffRow(staff, admin.Email)).ToContainTextAsync(StaffRoles.Admin);
        await Expect(StaffRow(staff, colleague.Email)).ToContainTextAsync(StaffRoles.Sender);
        Assert.True(await Session.HasStaffCookieAsync(), $"Signed in, yet no {BrowserSession.StaffCookieName} cookie was set.");
    }

    [Fact]
    public async Task Wrong_password_shows_the_error_and_does_not_sign_in()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);

        await Session.GotoAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(sender.Email, "not the right password");

        await Expect(Session.SignInError).ToBeVisibleAsync();
        Assert.Equal(BrowserSession.LoginPath, Session.CurrentPath);
        await Expect(Session.LogInButton).ToBeVisibleAsync();
        await Expect(Session.LogOutButton).ToHaveCountAsync(0);
        Assert.False(await Session.HasStaffCookieAsync(), "A failed sign-in set the staff session cookie.");

        // The dashboard still asks for a sign-in.
        await Session.GotoAsync("/");
        Assert.Equal(BrowserSession.LoginPath, Session.CurrentPath);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_for_the_right_password()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await Session.GotoAsync(BrowserSession.LoginPath);
            await Session.SubmitLoginAsync(sender.Email, $"wrong password number {attempt}");
            await Expect(Session.SignInError).ToBeVisibleAsync();
        }

        // The fifth failure locks the account; whether it already says so or shows the error is the page's choice.
        await Session.GotoAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(sender.Email, "wrong password number 5");
        await Expect(Session.SignInError.Or(Session.PageHeading("Account locked"))).ToBeVisibleAsync();

        await Session.GotoAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(sender.Email, sender.Password);
        await Session.WaitForPathAsync("/Account/Lockout");
        await Expect(Session.PageHeading("Account locked")).ToBeVisibleAsync();
        Assert.False(await Session.HasStaffCookieAsync(), "A locked account got a staff session cookie.");

        await Session.GotoAsync("/");
        Assert.Equal(BrowserSession.LoginPath, Session.CurrentPath);
    }

    [Fact]
    public async Task Anonymous_visit_to_the_dashboard_goes_to_login_and_returns_there_after_sign_in()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);

        await Session.GotoAsync("/");
        Assert.Equal(BrowserSession.LoginPath, Session.CurrentPath);
        Assert.Equal("/", Session.CurrentQuery["returnUrl"]);

        await Session.SubmitLoginAsync(sender.Email, sender.Password);
        await Session.WaitForPathAsync("/");
        await Expect(Session.PageHeading("Dashboard")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Return_url_keeps_the_query_of_the_page_first_asked_for()
    {
        // With a bare "/" the default target and the return address are the same; a query tells them apart.
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);

        await Session.GotoAsync("/?from=e2e");
        Assert.Equal(BrowserSession.LoginPath, Session.CurrentPath);
        Assert.Equal("/?from=e2e", Session.CurrentQuery["returnUrl"]);

        await Session.SubmitLoginAsync(sender.Email, sender.Password);
        await Session.WaitForPathAsync("/");
        Assert.Equal("?from=e2e", new Uri(Session.Page.Url).Query);
        await Expect(Session.PageHeading("Dashboard")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Log_out_ends_the_session()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        await Session.SignInAsync(sender);

        await Session.LogOutButton.ClickAsync();
        await Session.WaitForPathAsync(BrowserSession.LoginPath);
        await Expect(Session.LogInButton).ToBeVisibleAsync();
        Assert.False(await Session.HasStaffCookieAsync(), "The staff session cookie survived logging out.");

        await Session.GotoAsync("/");
        Assert.Equal(BrowserSession.LoginPath, Session.CurrentPath);
        Assert.Equal("/", Session.CurrentQuery["returnUrl"]);
        await Expect(Session.LogOutButton).ToHaveCountAsync(0);
    }

    private static ILocator StaffRow(ILocator staffSection, string email) =>
        staffSection.GetByRole(AriaRole.Row).Filter(new()
        {
            Has = staffSection.Page.GetByRole(AriaRole.Cell, new() { Name = email, Exact = true }),
        });
}
