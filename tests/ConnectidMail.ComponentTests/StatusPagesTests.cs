using System.Globalization;
using System.Reflection;
using ConnectidMail.Web.Account.Pages;
using ConnectidMail.Web.Components.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.ComponentTests;

public sealed class StatusPagesTests : BunitContext
{
    public StatusPagesTests() => Services.AddLocalization();

    [Fact]
    public void Lockout_says_the_account_is_locked_and_links_back_to_log_in()
    {
        var cut = Render<Lockout>();

        Assert.Equal("Account locked", cut.Find("h1").TextContent);
        Assert.Contains("locked for 15 minutes", cut.Find("[role=alert]").TextContent, StringComparison.Ordinal);
        var link = cut.Find("a");
        Assert.Equal("Back to log in", link.TextContent);
        Assert.Equal("Account/Login", link.GetAttribute("href"));
    }

    [Fact]
    public void Access_denied_says_so_and_links_back_to_the_dashboard()
    {
        var cut = Render<AccessDenied>();

        Assert.Equal("Access denied", cut.Find("h1").TextContent);
        var link = cut.Find("a");
        Assert.Equal("Back to the dashboard", link.TextContent);
        Assert.Equal("", link.GetAttribute("href"));
    }

    [Fact]
    public void Not_found_says_so_and_links_to_the_start_page()
    {
        var cut = Render<NotFound>();

        Assert.Equal("Not found", cut.Find("h1").TextContent);
        var link = cut.Find("a");
        Assert.Equal("Go to the start page", link.TextContent);
        Assert.Equal("", link.GetAttribute("href"));
    }

    [Fact]
    public void Not_found_speaks_danish_to_a_danish_recipient()
    {
        var english = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("da");
        try
        {
            var cut = Render<NotFound>();

            Assert.Equal("Ikke fundet", cut.Find("h1").TextContent);
            Assert.Equal("Gå til forsiden", cut.Find("a").TextContent);
        }
        finally
        {
            CultureInfo.CurrentUICulture = english;
        }
    }

    [Theory]
    [InlineData(typeof(Lockout), "/Account/Lockout")]
    [InlineData(typeof(AccessDenied), "/Account/AccessDenied")]
    [InlineData(typeof(NotFound), "/not-found")]
    public void Each_page_answers_at_the_address_the_rest_of_the_portal_sends_people_to(Type page, string address) =>
        Assert.Equal(address, page.GetCustomAttribute<RouteAttribute>()?.Template);
}
