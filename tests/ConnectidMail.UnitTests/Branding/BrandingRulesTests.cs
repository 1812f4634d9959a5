using System.Buffers.Binary;
using ConnectidMail.Branding;

namespace ConnectidMail.UnitTests.Branding;

public sealed class BrandingRulesTests
{
    [Theory]
    [InlineData("#1F4E79", "#1f4e79")]
    [InlineData(" #000 ", "#000000")]
    [InlineData("#abc", "#aabbcc")]
    public void Colours_are_read_as_lowercase_rrggbb(string input, string expected)
    {
        Assert.True(AccentColour.TryParse(input, out var colour));
        Assert.Equal(expected, colour);
    }

    [Theory]
    [InlineData("1f4e79")]
    [InlineData("#1f4e7")]
    [InlineData("#1f4e7g")]
    [InlineData("red")]
    [InlineData("#1f4e79;}body{display:none")]
    public void Anything_but_a_hex_colour_is_refused(string input) => Assert.False(AccentColour.TryParse(input, out _));

    [Fact]
    public void Contrast_follows_WCAG_and_light_colours_fail_AA()
    {
        Assert.Equal(21, AccentColour.Contrast("#000000", "#ffffff"), 3);
        Assert.True(AccentColour.MeetsContrast(AccentColour.Default));
        Assert.False(AccentColour.MeetsContrast("#ffcc00"));
        // #767676 passes against white (4.54) but not against the page's light grey.
        Assert.False(AccentColour.MeetsContrast("#767676"));
    }

    [Fact]
    public void A_failing_colour_gets_a_darker_suggestion_that_passes()
    {
        var suggestion = AccentColour.DarkenedToMeetContrast("#ff9900");

        Assert.True(AccentColour.MeetsContrast(suggestion));
        Assert.NotEqual("#000000", suggestion);
    }

    [Fact]
    public void A_small_complete_PNG_or_JPEG_is_accepted()
    {
        Assert.Equal(("image/png", (LogoProblem?)null), LogoImage.Check(Png(64, 32)));
        Assert.Equal(("image/jpeg", (LogoProblem?)null), LogoImage.Check([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9]));
    }

    [Fact]
    public void SVG_HTML_truncated_oversized_and_huge_images_are_refused()
    {
        Assert.NotNull(LogoImage.Check("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"u8).Problem);
        Assert.NotNull(LogoImage.Check("<html><body>hi</body></html>"u8).Problem);
        Assert.NotNull(LogoImage.Check(Png(64, 32)[..^12]).Problem);
        Assert.NotNull(LogoImage.Check(Png(5000, 32)).Problem);
        Assert.NotNull(LogoImage.Check([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).Problem);
        var big = Png(64, 32).Concat(new byte[LogoImage.MaxBytes]).ToArray();
        Assert.NotNull(LogoImage.Check(big).Problem);
        Assert.NotNull(LogoImage.Check([]).Problem);
    }

    [Theory]
    [InlineData("support@acme.example", true)]
    [InlineData("Support <support@acme.example>", false)]
    [InlineData("support@localhost", false)]
    [InlineData("a@b.example\r\nBcc: x@y.example", false)]
    public void Support_addresses_are_one_plain_address(string value, bool valid) => Assert.Equal(valid, SupportContact.IsEmail(value));

    [Theory]
    [InlineData("+45 12 34 56 78", true)]
    [InlineData("(555) 123-4567", true)]
    [InlineData("12345", false)]
    [InlineData("call 12345678", false)]
    [InlineData("12+345678", false)]
    public void Support_phones_are_digits_with_separators(string value, bool valid) => Assert.Equal(valid, SupportContact.IsPhone(value));

    [Theory]
    [InlineData("https://acme.example/help", true)]
    [InlineData("http://acme.example/help", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("https://user:pw@acme.example/", false)]
    [InlineData("/help", false)]
    public void Support_pages_are_https_addresses(string value, bool valid) => Assert.Equal(valid, SupportContact.IsUrl(value));

    /// <summary>A PNG's structure: signature, IHDR with the size, IEND (the checker does not decode pixels).</summary>
    internal static byte[] Png(uint width, uint height)
    {
        var bytes = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 };
        bytes.AddRange("IHDR"u8.ToArray());
        var size = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(size, width);
        BinaryPrimitives.WriteUInt32BigEndian(size.AsSpan(4), height);
        bytes.AddRange(size);
        bytes.AddRange(new byte[] { 8, 6, 0, 0, 0, 0, 0, 0, 0 });
        bytes.AddRange(new byte[] { 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 });
        return [.. bytes];
    }
}
