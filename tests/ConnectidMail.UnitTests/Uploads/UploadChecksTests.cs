using ConnectidMail.Messaging;
using ConnectidMail.Scanning;
using ConnectidMail.Uploads;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ConnectidMail.UnitTests.Uploads;

public sealed class UploadChecksTests
{
    [Theory]
    [InlineData("contract.pdf")]
    [InlineData("Contract.PDF")]
    [InlineData("letter.docx")]
    [InlineData("sheet.xlsx")]
    [InlineData("slides.pptx")]
    [InlineData("old.doc")]
    [InlineData("odf.odt")]
    [InlineData("photo.heic")]
    [InlineData("scan.tiff")]
    [InlineData("forwarded.eml")]
    [InlineData("outlook.msg")]
    [InlineData("data.json")]
    public async Task Ordinary_document_image_and_archive_types_are_allowed_by_default(string name)
    {
        await using var inspection = await new UploadChecks(Options.Create(new PolicyOptions()), [], NullLogger<UploadChecks>.Instance)
            .BeginAsync(name, Guid.NewGuid(), Guid.NewGuid(), CancellationToken.None);
    }

    [Theory]
    [InlineData("setup.exe", "exe")]
    [InlineData("library.dll", "dll")]
    [InlineData("installer.msi", "msi")]
    [InlineData("run.bat", "bat")]
    [InlineData("run.cmd", "cmd")]
    [InlineData("script.ps1", "ps1")]
    [InlineData("script.sh", "sh")]
    [InlineData("code.js", "js")]
    [InlineData("macro.vbs", "vbs")]
    [InlineData("app.jar", "jar")]
    [InlineData("app.apk", "apk")]
    [InlineData("binary.elf", "elf")]
    [InlineData("page.html", "html")]
    [InlineData("page.htm", "htm")]
    [InlineData("image.svg", "svg")]
    [InlineData("invoice.pdf.exe", "exe")]
    public async Task Executables_scripts_and_HTML_are_refused_by_default_naming_the_file(string name, string extension)
    {
        var scanner = new CountingScanner();

        var refused = await Assert.ThrowsAsync<MessageRejectedException>(() =>
            new UploadChecks(Options.Create(new PolicyOptions()), [scanner], NullLogger<UploadChecks>.Instance)
                .BeginAsync(name, Guid.NewGuid(), Guid.NewGuid(), CancellationToken.None));

        var message = Assert.Single(refused.Errors["files"]);
        Assert.Contains($"'{name}'", message, StringComparison.Ordinal);
        Assert.Contains($".{extension} file", message, StringComparison.Ordinal);
        Assert.False(refused.TooLarge);
        Assert.Equal(0, scanner.Begun);
    }

    [Fact]
    public async Task A_file_without_an_extension_is_refused()
    {
        var refused = await Assert.ThrowsAsync<MessageRejectedException>(() =>
            new UploadChecks(Options.Create(new PolicyOptions()), [], NullLogger<UploadChecks>.Instance)
                .BeginAsync("README", Guid.NewGuid(), Guid.NewGuid(), CancellationToken.None));

        Assert.Contains("'README' has no file type", Assert.Single(refused.Errors["files"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_type_is_allowed_and_the_defaults_are_then_not()
    {
        var checks = new UploadChecks(Options.Create(new PolicyOptions { AllowedFileTypes = ["html"] }), [], NullLogger<UploadChecks>.Instance);

        await using (await checks.BeginAsync("page.html", Guid.NewGuid(), Guid.NewGuid(), CancellationToken.None))
        {
        }

        await Assert.ThrowsAsync<MessageRejectedException>(() => checks.BeginAsync("report.pdf", Guid.NewGuid(), Guid.NewGuid(), CancellationToken.None));
    }

    [Theory]
    [InlineData("contract.pdf", "'contract.pdf' is a program or script")]
    [InlineData("notes.txt", "'notes.txt' is a program or script")]
    public async Task An_ELF_executable_renamed_to_an_allowed_type_is_refused_at_its_first_bytes(string name, string expected)
    {
        await using var inspection = await new UploadChecks(Options.Create(new PolicyOptions()), [], NullLogger<UploadChecks>.Instance)
            .BeginAsync(name, Guid.NewGuid(), Guid.NewGuid(), CancellationToken.None);
        var elf = new byte[ContentSniffer.HeaderLength];
        "\u007fELF"u8.CopyTo(elf);

        var refused = await Assert.ThrowsAsync<MessageRejectedException>(() => inspection.InspectAsync(elf, CancellationToken.None).AsTask());

        Assert.StartsWith(expected, Assert.Single(refused.Errors["files"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_scanner_sees_every_chunk_and_an_infected_verdict_refuses_the_file()
    {
        var scanner = new CountingScanner { Verdict = ScanResult.Infected("Eicar-Signature") };
        await using var inspection = await new UploadChecks(Options.Create(new PolicyOptions()), [scanner], NullLogger<UploadChecks>.Instance)
            .BeginAsync("notes.txt", Guid.NewGuid(), Guid.NewGuid(), CancellationToken.None);

        await inspection.InspectAsync("first "u8.ToArray(), CancellationToken.None);
        await inspection.InspectAsync("second"u8.ToArray(), CancellationToken.None);
        var refused = await Assert.ThrowsAsync<MessageRejectedException>(() => inspection.CompleteAsync(CancellationToken.None).AsTask());

        Assert.Equal("first second"u8.ToArray(), scanner.Received.ToArray());
        Assert.Equal("'notes.txt' contains malware (Eicar-Signature) and was refused.", Assert.Single(refused.Errors["files"]));
    }

    [Fact]
    public async Task A_failed_scan_refuses_the_file_as_unchecked()
    {
        var scanner = new CountingScanner { Verdict = ScanResult.Failed("unreachable") };
        await using var inspection = await new UploadChecks(Options.Create(new PolicyOptions()), [scanner], NullLogger<UploadChecks>.Instance)
            .BeginAsync("notes.txt", Guid.NewGuid(), Guid.NewGuid(), CancellationToken.None);

        var refused = await Assert.ThrowsAsync<MessageRejectedException>(() => inspection.CompleteAsync(CancellationToken.None).AsTask());

        Assert.Equal("'notes.txt' could not be checked for malware; try again later.", Assert.Single(refused.Errors["files"]));
        Assert.False(refused.TooLarge);
    }

    [Fact]
    public void The_default_list_holds_no_executable_script_or_HTML_type()
    {
        string[] dangerous = ["exe", "dll", "msi", "bat", "cmd", "com", "scr", "ps1", "sh", "js", "vbs", "jar", "apk", "elf", "html", "htm", "svg", "hta", "lnk"];

        Assert.Empty(FileTypes.DefaultAllowed.Intersect(dangerous));
        Assert.Equal(FileTypes.DefaultAllowed, new PolicyOptions().AllowedFileTypes);
    }

    [Fact]
    public void Without_the_setting_the_default_list_applies()
    {
        Assert.Equal(FileTypes.DefaultAllowed, Configured(new Dictionary<string, string?> { ["Policy:MaxFiles"] = "3" }));
    }

    [Fact]
    public void A_comma_separated_setting_replaces_the_default_list_normalized()
    {
        Assert.Equal(["pdf", "html", "png"], Configured(new Dictionary<string, string?> { ["Policy:AllowedFileTypes"] = "pdf, .HTML,png,,pdf" }));
    }

    [Fact]
    public void Numbered_entries_replace_the_default_list()
    {
        Assert.Equal(["pdf", "dwg"], Configured(new Dictionary<string, string?> { ["Policy:AllowedFileTypes:0"] = "pdf", ["Policy:AllowedFileTypes:1"] = "DWG" }));
    }

    [Theory]
    [InlineData("", "names no file type")]
    [InlineData("pdf,*.exe", "'*.exe' is not a file extension")]
    [InlineData("p df", "'p df' is not a file extension")]
    [InlineData("pdf,a/x", "'a/x' is not a file extension")]
    public void A_bad_setting_fails_validation_naming_it(string setting, string expected)
    {
        var policy = new PolicyOptions { AllowedFileTypes = Configured(new Dictionary<string, string?> { ["Policy:AllowedFileTypes"] = setting }) };

        var result = new PolicyOptionsValidator().Validate(null, policy);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Policy:AllowedFileTypes", StringComparison.Ordinal) && f.Contains(expected, StringComparison.Ordinal));
    }

    private static List<string> Configured(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new PolicyOptions();
        configuration.GetSection(PolicyOptions.Section).Bind(options);
        new AllowedFileTypesSetup(configuration).Configure(options);
        return options.AllowedFileTypes;
    }

    /// <summary>A scanner that keeps what it was given and answers a set verdict.</summary>
    private sealed class CountingScanner : IFileScanner, IFileScan
    {
        public ScanResult Verdict { get; init; } = ScanResult.Clean;

        public int Begun { get; private set; }

        public MemoryStream Received { get; } = new();

        public string Description => "counting scanner";

        public Task<IFileScan> BeginAsync(CancellationToken cancellationToken)
        {
            Begun++;
            return Task.FromResult<IFileScan>(this);
        }

        public ValueTask<ScanResult?> WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
        {
            Received.Write(chunk.Span);
            return ValueTask.FromResult<ScanResult?>(null);
        }

        public Task<ScanResult> CompleteAsync(CancellationToken cancellationToken) => Task.FromResult(Verdict);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
