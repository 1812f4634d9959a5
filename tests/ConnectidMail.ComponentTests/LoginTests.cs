using System.Reflection;
using AngleSharp.Dom;
using Bunit.TestDoubles;
using ConnectidMail.Web.Account;
using ConnectidMail.Web.Account.Pages;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ConnectidMail.ComponentTests;

/// <summary>
/// The login page is static server rendering: it gets the request's <see cref="HttpContext"/> as a cascading
/// value and the real <see cref="StaffSignIn"/> of a running portal. bUnit dispatches the form's submit
/// event to the same handler the SSR form post reaches; the form post itself (form value mapping,
/// antiforgery, cookies) is the integration tests' part.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class LoginTests(PortalFixture fixture) : BunitContext
{
    [Fact]
    public async Task It_has_an_email_box_a_password_box_and_a_log_in_button()
    {
        await using var scope = fixture.CreateScope();
        var cut = RenderLogin(scope);

        var email = InputLabelled(cut, "Email");
        Assert.Equal("email", email.GetAttribute("type"));
        Assert.Equal("username", email.GetAttribute("autocomplete"));
        var password = InputLabelled(cut, "Password");
        Assert.Equal("password", password.GetAttribute("type"));
        Assert.Equal("current-password", password.GetAttribute("autocomplete"));

        var button = cut.Find("form button");
        Assert.Equal("Log in", button.TextContent);
        Assert.Equal("submit", button.GetAttribute("type"));
        Assert.Equal("post", cut.Find("form").GetAttribute("method"));
        Assert.Empty(cut.FindAll(".field-error, [role=alert]"));
    }

    [Fact]
    public async Task Opening_the_page_ends_a_half_finished_external_sign_in()
    {
        await using var scope = fixture.CreateScope();
        var request = NewRequest(scope);
        RenderLogin(scope, request);

        var cleared = Assert.Single(request.Response.Headers.SetCookie.ToArray(), c => c!.StartsWith("__Host-Identity.External=;", StringComparison.Ordinal));
        Assert.Contains("expires=Thu, 01 Jan 1970", cleared, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submitting_the_empty_form_shows_a_message_at_each_field_and_does_not_sign_in()
    {
        await using var scope = fixture.CreateScope();
        var cut = RenderLogin(scope);

        await cut.Find("form").SubmitAsync();

        AssertFieldError(cut, "Email", "Enter your email address.");
        AssertFieldError(cut, "Password", "Enter your password.");
        // Had the form reached the sign-in, the real StaffSignIn would have answered "failed" with an alert.
        Assert.Empty(cut.FindAll("#login-error"));
        Assert.Empty(Services.GetRequiredService<BunitNavigationManager>().History);
    }

    [Fact]
    public async Task A_malformed_address_is_refused_before_any_sign_in()
    {
        await using var scope = fixture.CreateScope();
        var cut = RenderLogin(scope);

        await InputLabelled(cut, "Email").ChangeAsync(new ChangeEventArgs { Value = "not-an-address" });
        await InputLabelled(cut, "Password").ChangeAsync(new ChangeEventArgs { Value = PortalFixture.Password });
        await cut.Find("form").SubmitAsync();

        AssertFieldError(cut, "Email", "Enter an email address like name@example.com.");
        Assert.Null(InputLabelled(cut, "Password").GetAttribute("aria-invalid"));
        Assert.Empty(cut.FindAll("#login-error"));
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_a_message_that_names_the_lockout_rule()
    {
        await using var scope = fixture.CreateScope();
        var cut = RenderLogin(scope);

        await InputLabelled(cut, "Email").ChangeAsync(new ChangeEventArgs { Value = PortalFixture.Sender.Email });
        await InputLabelled(cut, "Password").ChangeAsync(new ChangeEventArgs { Value = "not the right passphrase" });
        await cut.Find("form").SubmitAsync();

        // SubmitAsync completes when the handler has, so the real sign-in has answered by now.
        var alert = cut.Find("#login-error");
        Assert.Equal("alert", alert.GetAttribute("role"));
        Assert.Equal(
            "The email or password is not right. After 5 failed tries the account is locked for 15 minutes.",
            alert.TextContent);
        Assert.Empty(cut.FindAll(".field-error"));
        Assert.Empty(Services.GetRequiredService<BunitNavigationManager>().History);
    }

    [Fact]
    public async Task The_portal_sends_people_to_this_page_to_log_in_and_to_the_access_denied_page()
    {
        await using var scope = fixture.CreateScope();
        var cookie = scope.ServiceProvider.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(IdentityConstants.ApplicationScheme);

        Assert.Equal(cookie.LoginPath.Value, typeof(Login).GetCustomAttribute<RouteAttribute>()?.Template);
        Assert.Equal(cookie.AccessDeniedPath.Value, typeof(AccessDenied).GetCustomAttribute<RouteAttribute>()?.Template);
    }

    private IRenderedComponent<Login> RenderLogin(AsyncServiceScope scope, HttpContext? request = null)
    {
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<StaffSignIn>());
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        return Render<Login>(parameters => parameters.AddCascadingValue(request ?? NewRequest(scope)));
    }

    /// <summary>A GET of the page as the portal would see it, with the portal's own request services.</summary>
    private static HttpContext NewRequest(AsyncServiceScope scope)
    {
        var request = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        request.Request.Method = HttpMethods.Get;
        request.Request.Scheme = "https";
        request.Request.Host = new HostString("localhost");
        request.Request.Path = "/Account/Login";
        return request;
    }

    /// <summary>The input a label names through its <c>for</c> attribute, as assistive technology finds it.</summary>
    private static IElement InputLabelled(IRenderedComponent<Login> cut, string label)
    {
        var labelElement = cut.FindAll("label").Single(l => l.TextContent.Trim() == label);
        var id = labelElement.GetAttribute("for");
        Assert.False(string.IsNullOrEmpty(id), $"The label '{label}' names no input.");
        return cut.Find($"input#{id}");
    }

    /// <summary>The message is in the field's own block and is the input's accessible description.</summary>
    private static void AssertFieldError(IRenderedComponent<Login> cut, string label, string message)
    {
        var input = InputLabelled(cut, label);
        Assert.Equal("true", input.GetAttribute("aria-invalid"));
        var describedBy = input.GetAttribute("aria-describedby");
        Assert.False(string.IsNullOrEmpty(describedBy), $"The {label} box has no description.");
        var description = cut.Find($"#{describedBy}");
        Assert.Equal(message, description.TextContent.Trim());
        Assert.Same(input.ParentElement, description.ParentElement);
    }
}
