using System.Net;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>The published app in Production does what the README promises, as a container would run it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PublishedAppTests(BrowserFixture browser, PublishedPortal portal) : IClassFixture<PublishedPortal>
{
    [Fact]
    public async Task An_admin_created_with_the_published_cli_signs_in_in_a_browser()
    {
        var admin = new StaffCredentials(StaffCredentials.NewEmail(StaffRoles.Admin), StaffCredentials.NewPassword());
        var created = await portal.AdminAsync("create-user", "--email", admin.Email, "--role", StaffRoles.Admin, "--password", admin.Password);
        Assert.True(created.ExitCode == 0, created.Error);

        await using var session = await BrowserSession.OpenAsync(browser, portal.BaseAddress);
        await session.GotoAsync(BrowserSession.LoginPath);
        await session.SubmitLoginAsync(admin.Email, admin.Password);

        // Admins must have a second factor: the published app sends this one to set up an authenticator app first.
        await session.WaitForPathAsync("/Account/Manage/EnrolTwoFactor");
        await session.Page.GetByRole(AriaRole.Link, new() { Name = "Set up an authenticator app" }).ClickAsync();
        await session.WaitForPathAsync("/Account/Manage/EnableAuthenticator");
        var app = new TotpAuthenticator(await session.Page.Locator("#authenticator-key").InnerTextAsync());
        await session.Page.GetByLabel("Verification code", new() { Exact = true }).FillAsync(await app.NextCodeAsync());
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await session.Page.GetByRole(AriaRole.Link, new() { Name = "Continue" }).ClickAsync();
        await session.WaitForPathAsync("/");

        await Expect(session.PageHeading("Dashboard")).ToBeVisibleAsync();
        await Expect(session.Section("Staff accounts")).ToContainTextAsync(admin.Email);
        Assert.True(await session.HasStaffCookieAsync());
        Assert.Empty(session.BrowserErrors);
    }

    [Fact]
    public async Task The_published_cli_prints_the_api_key_alone_on_standard_output_and_logs_to_standard_error()
    {
        var email = StaffCredentials.NewEmail(StaffRoles.Sender);
        var created = await portal.AdminAsync("create-user", "--email", email, "--role", StaffRoles.Sender, "--password", StaffCredentials.NewPassword());
        Assert.True(created.ExitCode == 0, created.Error);

        var (exitCode, output, error) = await portal.AdminAsync("create-api-key", "--email", email, "--name", "published");

        Assert.True(exitCode == 0, error);
        var key = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("cmk_", key, StringComparison.Ordinal);
        Assert.Contains("shown once", error, StringComparison.Ordinal);

        using var client = new HttpClient { BaseAddress = portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        using var me = await client.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task The_published_cli_refuses_bad_input_with_one_line_and_a_non_zero_exit()
    {
        var (exitCode, output, error) = await portal.AdminAsync("create-user", "--email", "not-an-address", "--role", "Admin", "--password", StaffCredentials.NewPassword());

        Assert.NotEqual(0, exitCode);
        Assert.Empty(output);
        Assert.Equal("error: 'not-an-address' is not a valid e-mail address.", error.Trim());
    }

    [Fact]
    public async Task Static_assets_come_from_the_publish_output_and_health_is_ready()
    {
        using var client = new HttpClient { BaseAddress = portal.BaseAddress };
        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        var login = await client.GetStringAsync("/Account/Login");
        var stylesheet = System.Text.RegularExpressions.Regex.Match(login, "href=\"(css/app\\.[a-z0-9]+\\.css)\"").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(stylesheet), "The login page links no fingerprinted stylesheet.");
        using var css = await client.GetAsync(stylesheet);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.True(File.Exists(Path.Combine(portal.AppFolder, "wwwroot", "css", "app.css")));
    }
}
