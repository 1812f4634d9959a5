using ConnectidMail.Messaging;

namespace ConnectidMail.UnitTests.Messaging;

public sealed class FileNamesTests
{
    [Theory]
    [InlineData("report.pdf", "report.pdf")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\me\\Desktop\\salary.xlsx", "salary.xlsx")]
    [InlineData("/abs/path/to/notes.txt", "notes.txt")]
    [InlineData("dir\\sub/mixed.doc", "mixed.doc")]
    [InlineData("  spaced name.txt  ", "spaced name.txt")]
    [InlineData("...hidden.txt...", "hidden.txt")]
    [InlineData("Rapport æøå.pdf", "Rapport æøå.pdf")]
    [InlineData("日本語.txt", "日本語.txt")]
    [InlineData("photo 📷.jpg", "photo 📷.jpg")]
    public void Keeps_the_last_path_part_trimmed(string name, string expected) => Assert.Equal(expected, FileNames.Clean(name));

    [Theory]
    [InlineData("in\u0000voice.pdf", "invoice.pdf")]
    [InlineData("line\r\nbreak.txt", "linebreak.txt")]
    [InlineData("tab\tbed.txt", "tabbed.txt")]
    [InlineData("bell\u0007\u001b[31m.txt", "bell[31m.txt")]
    [InlineData("del\u007f.txt", "del.txt")]
    [InlineData("c1\u0085\u009b.txt", "c1.txt")]
    public void Drops_control_characters(string name, string expected) => Assert.Equal(expected, FileNames.Clean(name));

    [Theory]
    [InlineData("invoice\u202Efdp.exe", "invoicefdp.exe")]
    [InlineData("a\u202Db\u202Ac\u202Bd\u202Ce.txt", "abcde.txt")]
    [InlineData("\u2066isolate\u2067d\u2068x\u2069.txt", "isolatedx.txt")]
    [InlineData("ma\u200Brk\u200C\u200D\u2060er\uFEFF.txt", "marker.txt")]
    [InlineData("rtl\u200Fltr\u200E.txt", "rtlltr.txt")]
    [InlineData("soft\u00ADhyphen.txt", "softhyphen.txt")]
    [InlineData("line\u2028para\u2029.txt", "linepara.txt")]
    [InlineData("private\uE000.txt", "private.txt")]
    public void Drops_bidirectional_overrides_zero_width_and_invisible_characters(string name, string expected)
    {
        var cleaned = FileNames.Clean(name);

        Assert.Equal(expected, cleaned);
    }

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character()
    {
        Assert.Equal("a\uFFFDb.txt", FileNames.Clean("a\uD800b.txt"));
    }

    [Fact]
    public void Composes_to_NFC()
    {
        Assert.Equal("\u00e6bl\u00e9.txt", FileNames.Clean("\u00e6ble\u0301.txt"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("/")]
    [InlineData("some/dir/")]
    [InlineData("C:\\")]
    [InlineData("..")]
    [InlineData(". . .")]
    [InlineData("\u202E\u200B")]
    [InlineData("\u0000\u0001")]
    public void Nothing_left_becomes_file(string? name) => Assert.Equal(FileNames.Fallback, FileNames.Clean(name));

    [Fact]
    public void A_long_name_is_cut_to_the_cap_keeping_its_extension()
    {
        var cleaned = FileNames.Clean(new string('a', 500) + ".pdf");

        Assert.Equal(FileNames.MaxLength, cleaned.Length);
        Assert.Equal(new string('a', FileNames.MaxLength - 4) + ".pdf", cleaned);
    }

    [Fact]
    public void A_name_at_the_cap_is_kept_whole()
    {
        var name = new string('b', FileNames.MaxLength - 4) + ".txt";

        Assert.Equal(name, FileNames.Clean(name));
    }

    [Fact]
    public void A_long_name_with_an_overlong_extension_is_cut_plainly()
    {
        var cleaned = FileNames.Clean("name." + new string('x', 300));

        Assert.Equal(FileNames.MaxLength, cleaned.Length);
        Assert.StartsWith("name.", cleaned, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        // 195 'a' then emoji (2 UTF-16 units each): the cut at 196 units would fall between the halves of the first pair.
        var cleaned = FileNames.Clean(new string('a', FileNames.MaxLength - 5) + "📷📷📷📷" + ".jpg");

        Assert.Equal(new string('a', FileNames.MaxLength - 5) + ".jpg", cleaned);
        for (var i = 0; i < cleaned.Length; i++)
        {
            if (char.IsHighSurrogate(cleaned[i]))
            {
                Assert.True(i + 1 < cleaned.Length && char.IsLowSurrogate(cleaned[i + 1]), $"A lone high surrogate at {i} in '{cleaned}'.");
                i++;
            }
            else
            {
                Assert.False(char.IsLowSurrogate(cleaned[i]), $"A lone low surrogate at {i}.");
            }
        }
    }

    public static TheoryData<string> Hostile => new()
    {
        "..\\..\\windows\\system32\\evil.txt",
        "a/\u202Eb\\c\u202Dtxt.exe",
        "\u2066../\u2069etc/passwd",
        "report\u202E\u2066fdp.exe\u2069",
        "evil.exe. . .",
        "name\r\nContent-Type: text/html.txt",
        "\u200E\u200Fdoc\u061C.pdf",
        new string('x', 1000) + "\u202E.pdf",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_cleaned_name_has_no_path_parts_control_or_bidirectional_characters_and_is_stable(string name)
    {
        var cleaned = FileNames.Clean(name);

        Assert.DoesNotContain('/', cleaned);
        Assert.DoesNotContain('\\', cleaned);
        Assert.DoesNotContain(cleaned, c => char.IsControl(c) || c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C');
        Assert.InRange(cleaned.Length, 1, FileNames.MaxLength);
        Assert.Equal(cleaned, FileNames.Clean(cleaned));
    }

    [Fact]
    public void Dots_and_spaces_after_the_extension_go_so_the_real_type_shows()
    {
        Assert.Equal("evil.exe", FileNames.Clean("evil.exe. . ."));
    }
}
