using ConnectidMail.Branding;
using ConnectidMail.Messaging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.UnitTests.Messaging;

public sealed class NotificationMailComposerTests
{
    private const string Subject = "Salary review <Q3> & bonus";
    private static readonly DateTimeOffset ExpiresAt = new(2026, 11, 27, 10, 42, 0, TimeSpan.Zero);
    private static readonly SenderIdentity Sender = new("user-1", "alice@corp.example");

    [Theory]
    [InlineData("https://mail.example.com", "https://mail.example.com/r/")]
    [InlineData("https://mail.example.com/", "https://mail.example.com/r/")]
    [InlineData("https://example.com/portal", "https://example.com/portal/r/")]
    [InlineData("http://localhost:5080", "http://localhost:5080/r/")]
    public void The_link_is_the_public_base_address_then_r_then_the_token(string baseUrl, string prefix)
    {
        var (token, _) = LinkToken.Create();
        var composer = Composer(baseUrl, subjectInNotification: false);

        var mail = composer.Compose(Recipient(), token, Sender, Subject, ExpiresAt);

        Assert.Equal(prefix + token, composer.LinkFor(token));
        Assert.Contains(prefix + token, mail.TextBody, StringComparison.Ordinal);
        Assert.Contains($"href=\"{prefix}{token}\"", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public void The_mail_goes_to_the_recipient_with_text_and_HTML_parts_and_no_subject_by_default()
    {
        var recipient = Recipient();
        var (token, _) = LinkToken.Create();

        var mail = Composer("https://mail.example.com", subjectInNotification: false).Compose(recipient, token, Sender, Subject, ExpiresAt);

        Assert.Equal("bob@example.org", mail.To);
        Assert.Equal(NotificationMailComposer.Kind, mail.Kind);
        Assert.Equal(recipient.Id, mail.CorrelationId);
        Assert.False(string.IsNullOrWhiteSpace(mail.TextBody));
        Assert.StartsWith("<!DOCTYPE html>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<html", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal("Acme Ltd: you have a secure message", mail.Subject);
        foreach (var part in new[] { mail.Subject, mail.TextBody, mail.HtmlBody })
        {
            Assert.DoesNotContain("Salary", part, StringComparison.Ordinal);
        }

        Assert.Contains("alice@corp.example", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("27 November 2026, 10:42 UTC", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void The_subject_is_shown_only_when_the_policy_allows_it_and_is_escaped_in_HTML()
    {
        var (token, _) = LinkToken.Create();

        var mail = Composer("https://mail.example.com", subjectInNotification: true).Compose(Recipient(), token, Sender, Subject, ExpiresAt);

        Assert.Equal($"Acme Ltd: {Subject}", mail.Subject);
        Assert.DoesNotContain("<Q3>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Salary review &lt;Q3&gt; &amp; bonus", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public void The_organisation_name_and_sender_are_HTML_escaped()
    {
        var (token, _) = LinkToken.Create();
        var composer = new NotificationMailComposer(
            Options.Create(new PortalOptions { PublicBaseUrl = "https://mail.example.com" }),
            Options.Create(new PolicyOptions()),
            TestBranding.Holding(new Brand("<b>Evil</b> & Co", AccentColour.Default, null, null, null, false, 1)));

        var mail = composer.Compose(Recipient(), token, new SenderIdentity("u", "x<script>@corp.example"), Subject, ExpiresAt);

        Assert.DoesNotContain("<b>Evil</b>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public void The_link_text_is_the_full_address_and_the_mail_says_why_it_came_and_whom_to_ask()
    {
        var (token, _) = LinkToken.Create();
        var composer = Composer("https://mail.example.com", subjectInNotification: false,
            new Brand("Acme Ltd", "#0b5394", "help@acme.example", "+45 12 34 56 78", "https://acme.example/help", false, 2));

        var mail = composer.Compose(Recipient(), token, Sender, Subject, ExpiresAt);

        var link = composer.LinkFor(token);
        Assert.Contains($">{link}</a>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(mail.HtmlBody, "<a "));
        Assert.Equal("Acme Ltd", mail.FromName);
        foreach (var part in new[] { mail.TextBody, System.Net.WebUtility.HtmlDecode(mail.HtmlBody) })
        {
            Assert.Contains("Acme Ltd sent you a secure message via its secure-mail portal. You get this mail because alice@corp.example addressed a message to bob@example.org.", part, StringComparison.Ordinal);
            Assert.Contains("Questions? Contact Acme Ltd: help@acme.example · +45 12 34 56 78 · https://acme.example/help", part, StringComparison.Ordinal);
        }
    }

    private static NotificationMailComposer Composer(string baseUrl, bool subjectInNotification, Brand? brand = null) => new(
        Options.Create(new PortalOptions { PublicBaseUrl = baseUrl }),
        Options.Create(new PolicyOptions { SubjectInNotification = subjectInNotification }),
        TestBranding.Holding(brand ?? new Brand("Acme Ltd", AccentColour.Default, null, null, null, false, 1)));

    private static MessageRecipient Recipient() => new()
    {
        Id = Guid.NewGuid(),
        MessageId = Guid.NewGuid(),
        Email = "bob@example.org",
        NormalizedEmail = "BOB@EXAMPLE.ORG",
        LinkTokenHash = new byte[32],
    };
}
