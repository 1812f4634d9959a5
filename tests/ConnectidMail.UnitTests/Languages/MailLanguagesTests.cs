using ConnectidMail.Branding;
using ConnectidMail.Languages;
using ConnectidMail.Messaging;
using ConnectidMail.Replies;
using ConnectidMail.Verification;
using Microsoft.Extensions.Options;

namespace ConnectidMail.UnitTests.Languages;

/// <summary>The recipients' mails in their language, with times in their words and zone (UTC, said so, when unknown).</summary>
public sealed class MailLanguagesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 10, 42, 0, TimeSpan.Zero);
    private static readonly IOptions<PortalOptions> Portal = Options.Create(new PortalOptions { PublicBaseUrl = "https://mail.example.com" });
    private static readonly BrandingCache Branding = TestBranding.Named("Acme Ltd");

    [Fact]
    public void The_notification_speaks_danish_to_a_danish_recipient_and_english_otherwise()
    {
        var composer = new NotificationMailComposer(Portal, Options.Create(new PolicyOptions()), Branding);

        var danish = composer.Compose(Recipient(), "token", new SenderIdentity("u", "alice@corp.example"), "S", At, RecipientLocale.For("da"));
        var english = composer.Compose(Recipient(), "token", new SenderIdentity("u", "alice@corp.example"), "S", At, RecipientLocale.For("en"));

        Assert.Equal("Acme Ltd: du har en sikker besked", danish.Subject);
        Assert.Contains("alice@corp.example hos Acme Ltd har sendt dig en sikker besked.", danish.TextBody, StringComparison.Ordinal);
        Assert.Contains("27. november 2026 kl. 10.42 UTC", danish.TextBody, StringComparison.Ordinal);
        Assert.Contains("Hvorfor har jeg fået denne mail?", danish.TextBody, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"da\">", danish.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Åbn den her:", danish.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("secure message", danish.TextBody, StringComparison.Ordinal);

        Assert.Equal("Acme Ltd: you have a secure message", english.Subject);
        Assert.Contains("27 November 2026, 10:42 UTC", english.TextBody, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", english.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public void The_code_mail_is_in_the_asking_pages_language_and_time_zone_with_the_code_as_8_digits()
    {
        var composer = new CodeMailComposer(Options.Create(new VerificationOptions()), Branding);
        var copenhagen = RecipientLocale.ZoneNamed("Europe/Copenhagen");
        Assert.NotNull(copenhagen);

        var mail = composer.Compose("bob@example.org", "12345678", At, RecipientLocale.For("da", copenhagen));

        Assert.Equal("Acme Ltd: din engangskode", mail.Subject);
        Assert.Contains("\n12345678\n", mail.TextBody, StringComparison.Ordinal);
        // 10:42 UTC is 11:42 in Copenhagen in November; no "UTC" when the zone is the recipient's own.
        Assert.Contains("(indtil kl. 11.42)", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("12345678", mail.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void The_answer_notice_speaks_danish_to_a_danish_recipient()
    {
        var notifications = new NotificationMailComposer(Portal, Options.Create(new PolicyOptions()), Branding);
        var composer = new ReplyMailComposer(Portal, notifications, Branding);

        var mail = composer.ComposeForRecipient(Recipient(), "token", "alice@corp.example", RecipientLocale.For("da"));

        Assert.Equal("Acme Ltd: du har fået et sikkert svar", mail.Subject);
        Assert.Contains("https://mail.example.com/r/token", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Åbn den her:", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("da", "da")]
    [InlineData("da-DK", "da")]
    [InlineData("DA", "da")]
    [InlineData("en-GB", "en")]
    [InlineData("de", "en")]
    [InlineData(null, "en")]
    public void Danish_gives_danish_and_anything_else_english(string? asked, string expected) =>
        Assert.Equal(expected, LanguageOptions.Normalise(asked));

    [Theory]
    [InlineData("Europe/Copenhagen", true)]
    [InlineData("Not/AZone", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_a_known_time_zone_is_taken_from_the_browser(string? id, bool known) =>
        Assert.Equal(known, RecipientLocale.ZoneNamed(id) is not null);

    private static MessageRecipient Recipient() => new()
    {
        Id = Guid.NewGuid(),
        MessageId = Guid.NewGuid(),
        Email = "bob@example.org",
        NormalizedEmail = "BOB@EXAMPLE.ORG",
        LinkTokenHash = new byte[32],
    };
}
