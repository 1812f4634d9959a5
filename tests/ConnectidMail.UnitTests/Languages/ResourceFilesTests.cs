using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ConnectidMail.UnitTests.Languages;

/// <summary>
/// Every text of the recipient side exists in English and Danish: each <c>X.resx</c> under <c>src/</c> has an
/// <c>X.da.resx</c> with the same keys, no empty value and the same placeholders, and every key the sources ask for
/// (<c>L["Verify.SendCode"]</c>, <c>T("Reply.Send", …)</c>, <c>MailText</c> keys, scripts' <c>text('…')</c>) exists.
/// </summary>
public sealed partial class ResourceFilesTests
{
    private static readonly string Sources = Path.Combine(RepositoryRoot(), "src");

    public static TheoryData<string> ResourceFiles()
    {
        var files = new TheoryData<string>();
        foreach (var file in NeutralResourceFiles())
        {
            files.Add(Path.GetRelativePath(Sources, file));
        }

        return files;
    }

    [Fact]
    public void The_recipient_pages_and_mails_have_resource_files()
    {
        var names = NeutralResourceFiles().Select(Path.GetFileName).ToList();
        Assert.Contains("RecipientText.resx", names);
        Assert.Contains("MailText.resx", names);
    }

    [Theory]
    [MemberData(nameof(ResourceFiles))]
    public void Danish_has_exactly_the_English_keys_none_empty_and_the_same_placeholders(string file)
    {
        var english = Read(Path.Combine(Sources, file));
        var danishFile = Path.Combine(Sources, Path.ChangeExtension(file, ".da.resx"));
        Assert.True(File.Exists(danishFile), $"{file} has no Danish file {danishFile}");
        var danish = Read(danishFile);

        Assert.Equal(english.Keys.Order(StringComparer.Ordinal), danish.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in english)
        {
            Assert.False(string.IsNullOrWhiteSpace(value), $"{file}: '{key}' is empty in English");
            Assert.False(string.IsNullOrWhiteSpace(danish[key]), $"{file}: '{key}' is empty in Danish");
            Assert.True(
                Placeholders(value).SetEquals(Placeholders(danish[key])),
                $"{file}: '{key}' has placeholders {string.Join(",", Placeholders(value))} in English but {string.Join(",", Placeholders(danish[key]))} in Danish");
        }
    }

    [Fact]
    public void Every_key_the_sources_ask_for_is_in_a_resource_file()
    {
        var keys = NeutralResourceFiles().SelectMany(f => Read(f).Keys).ToHashSet(StringComparer.Ordinal);
        // The first parts of the keys ("Verify", "Mail", ...): a literal like "Verify.Something" in a page asks for a text.
        var prefixes = keys.Select(k => k.Split('.')[0]).Distinct().ToList();
        var literal = new Regex("\"((?:" + string.Join("|", prefixes.Select(Regex.Escape)) + @")\.[A-Za-z0-9.]+)""", RegexOptions.CultureInvariant);
        var asked = new List<(string File, string Key)>();
        foreach (var file in Directory.EnumerateFiles(Sources, "*.*", SearchOption.AllDirectories)
                     .Where(f => (f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal)) && !IsBuildOutput(f)))
        {
            var source = File.ReadAllText(file);
            // Only sources that read texts; others' literals ("Passkey.Error" in the staff pages) are no text keys.
            if (source.Contains("IStringLocalizer", StringComparison.Ordinal) || source.Contains("MailText.", StringComparison.Ordinal))
            {
                asked.AddRange(literal.Matches(source).Select(m => (file, m.Groups[1].Value)));
            }
        }

        var scripts = Path.Combine(RepositoryRoot(), "wwwroot-assets", "js");
        foreach (var file in Directory.EnumerateFiles(scripts, "*.js"))
        {
            asked.AddRange(ScriptText().Matches(File.ReadAllText(file)).Select(m => (file, "Js." + m.Groups[1].Value)));
        }

        Assert.Contains(asked, a => a.Key == "Verify.SendCode");
        Assert.Contains(asked, a => a.Key == "Code.Subject");
        Assert.Contains(asked, a => a.Key == "Js.PasskeyAdded");
        var missing = asked.Where(a => !keys.Contains(a.Key)).Select(a => $"{Path.GetFileName(a.File)}: {a.Key}").Distinct().ToList();
        Assert.True(missing.Count == 0, "Keys used but in no .resx: " + string.Join("; ", missing));
    }

    [Fact]
    public void The_contract_names_are_the_danish_texts_of_their_keys()
    {
        var pages = Read(Path.Combine(Sources, "ConnectidMail.Web", "Languages", "RecipientText.da.resx"));
        Assert.Equal("Fortsæt", pages["Consent.Continue"]);
        Assert.Equal("Send mig en kode", pages["Verify.SendCode"]);
        Assert.Equal("Engangskode", pages["Verify.CodeLabel"]);
        Assert.Equal("Bekræft", pages["Verify.Verify"]);
        Assert.Equal("Brug en adgangsnøgle", pages["Passkey.Use"]);
        Assert.Equal("Tilføj en adgangsnøgle", pages["Passkey.Add"]);
        Assert.Equal("Adgangsnøgle tilføjet", pages["Js.PasskeyAdded"]);
        Assert.Equal("Svar", pages["Reply.Label"]);
        Assert.Equal("Vedhæft filer", pages["Reply.AttachFiles"]);
        Assert.Equal("Send svar", pages["Reply.Send"]);
    }

    private static IEnumerable<string> NeutralResourceFiles() =>
        Directory.EnumerateFiles(Sources, "*.resx", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f) && Path.GetFileNameWithoutExtension(f).IndexOf('.', StringComparison.Ordinal) < 0)
            .Order(StringComparer.Ordinal);

    private static bool IsBuildOutput(string path) =>
        path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    private static Dictionary<string, string> Read(string file) =>
        XDocument.Load(file).Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "", StringComparer.Ordinal);

    private static HashSet<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value)];

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "ConnectidMail.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("The repository root (ConnectidMail.sln) was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\btext\('([A-Za-z]+)'")]
    private static partial Regex ScriptText();
}
