using ConnectidMail.Messaging;

namespace ConnectidMail.UnitTests.Messaging;

public sealed class MessageBodyRendererTests
{
    private const string Rel = "rel=\"noopener noreferrer nofollow\"";

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void An_empty_body_renders_nothing(string? body) => Assert.Equal("", MessageBodyRenderer.ToHtml(body));

    [Fact]
    public void Emphasis_lists_and_paragraphs_render()
    {
        var html = MessageBodyRenderer.ToHtml("Hello **world** and *you*\n\n- one\n- two\n\n1. first\n2. second");

        Assert.Contains("<strong>world</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<em>you</em>", html, StringComparison.Ordinal);
        Assert.Contains("<ul>\n<li>one</li>\n<li>two</li>\n</ul>", html, StringComparison.Ordinal);
        Assert.Contains("<ol>\n<li>first</li>\n<li>second</li>\n</ol>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_line_break_is_kept()
    {
        Assert.Contains("line one<br />\nline two", MessageBodyRenderer.ToHtml("line one\nline two"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[site](https://example.com/a?b=1)", "https://example.com/a?b=1", "site")]
    [InlineData("[plain](http://example.com/)", "http://example.com/", "plain")]
    [InlineData("[mail me](mailto:someone@example.com)", "mailto:someone@example.com", "mail me")]
    public void Safe_links_render_with_rel_noopener_noreferrer_nofollow(string markdown, string href, string text)
    {
        var html = MessageBodyRenderer.ToHtml(markdown);

        Assert.Contains($"<a {Rel} href=\"{href.Replace("&", "&amp;", StringComparison.Ordinal)}\">{text}</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_links_render_with_rel()
    {
        var html = MessageBodyRenderer.ToHtml("See https://example.com/x and <https://example.org/y>.");

        Assert.Contains($"<a {Rel} href=\"https://example.com/x\">", html, StringComparison.Ordinal);
        Assert.Contains($"<a {Rel} href=\"https://example.org/y\">", html, StringComparison.Ordinal);
        AssertEveryLinkHasRel(html);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("before <script>alert(1)</script> after")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("text <img src=x onerror=\"alert(1)\"> text")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>")]
    [InlineData("<div onmouseover=\"alert(1)\">hover</div>")]
    [InlineData("<svg/onload=alert(1)>")]
    [InlineData("<!-- comment --><style>body{}</style>")]
    public void Raw_HTML_is_shown_as_text_never_as_tags(string body)
    {
        var html = MessageBodyRenderer.ToHtml(body);

        Assert.Contains("&lt;", html, StringComparison.Ordinal);
        foreach (var tag in new[] { "<script", "<img", "<iframe", "<div", "<svg", "<style", "<!--", "<a " })
        {
            Assert.DoesNotContain(tag, html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void A_script_shows_its_text_escaped()
    {
        Assert.Equal("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n", MessageBodyRenderer.ToHtml("<script>alert(1)</script>"));
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))", "click")]
    [InlineData("[click](JavaScript:alert(1))", "click")]
    [InlineData("[click](  javascript:alert(1))", "click")]
    [InlineData("[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "data")]
    [InlineData("[vb](vbscript:msgbox)", "vb")]
    [InlineData("[file](file:///etc/passwd)", "file")]
    [InlineData("[relative](/admin)", "relative")]
    [InlineData("[proto-relative](//evil.example/x)", "proto-relative")]
    [InlineData("[**bold** text](javascript:alert(1))", "<strong>bold</strong> text")]
    public void Unsafe_links_keep_their_text_and_lose_their_target(string markdown, string text)
    {
        var html = MessageBodyRenderer.ToHtml(markdown);

        Assert.Contains(text, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<a", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data:", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reference_link_to_javascript_loses_its_target()
    {
        var html = MessageBodyRenderer.ToHtml("[click][x]\n\n[x]: javascript:alert(1)");

        Assert.DoesNotContain("<a", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("click", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("![a cat](https://example.com/cat.png)", "a cat")]
    [InlineData("![tracker](https://tracker.example/pixel.gif)", "tracker")]
    [InlineData("![x](data:image/png;base64,AAAA)", "x")]
    public void Images_become_their_text(string markdown, string text)
    {
        var html = MessageBodyRenderer.ToHtml(markdown);

        Assert.Contains(text, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("example.com/cat.png", html, StringComparison.Ordinal);
        Assert.DoesNotContain("tracker.example", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_linked_image_keeps_the_link_but_not_the_image()
    {
        var html = MessageBodyRenderer.ToHtml("[![logo](https://example.com/logo.png)](https://example.com/)");

        Assert.Contains($"<a {Rel} href=\"https://example.com/\">logo</a>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Attribute_breaking_characters_in_a_link_are_escaped()
    {
        var html = MessageBodyRenderer.ToHtml("[x](https://example.com/\"onmouseover=\"alert(1))");

        Assert.DoesNotContain("\"onmouseover", html, StringComparison.Ordinal);
        AssertEveryLinkHasRel(html);
    }

    private static void AssertEveryLinkHasRel(string html)
    {
        var links = html.Split("<a ").Length - 1;
        var withRel = html.Split("<a " + Rel).Length - 1;
        Assert.Equal(links, withRel);
    }
}
