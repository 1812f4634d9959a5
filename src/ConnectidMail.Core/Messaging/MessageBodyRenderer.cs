using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ConnectidMail.Messaging;

/// <summary>
/// Renders a message body (plain text with a safe Markdown subset) to HTML: raw HTML is never rendered (it shows as
/// text), images become their text, and links keep only http, https and mailto targets.
/// </summary>
public static class MessageBodyRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseSoftlineBreakAsHardlineBreak()
        .UseAutoLinks()
        .UseEmphasisExtras()
        .Build();

    private static readonly string[] SafeSchemes = [Uri.UriSchemeHttp, Uri.UriSchemeHttps, Uri.UriSchemeMailto];

    public static string ToHtml(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return "";
        }

        var document = Markdown.Parse(body, Pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (link.IsImage || !IsSafe(link.Url))
            {
                ReplaceWithText(link);
            }
        }

        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!IsSafe(autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url))
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url));
            }
        }

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.LinkRewriter = url => url;
        renderer.Render(document);
        writer.Flush();
        return writer.ToString().Replace("<a href=", "<a rel=\"noopener noreferrer nofollow\" href=", StringComparison.Ordinal);
    }

    private static bool IsSafe(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && SafeSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase);

    /// <summary>An unsafe link or an image keeps its visible text (an image its alternative text), without a target.</summary>
    private static void ReplaceWithText(LinkInline link)
    {
        var container = new ContainerInline();
        var children = link.ToList();
        foreach (var child in children)
        {
            child.Remove();
            container.AppendChild(child);
        }

        link.ReplaceBy(container);
    }
}
