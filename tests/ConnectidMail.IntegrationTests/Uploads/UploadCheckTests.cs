using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ConnectidMail.IntegrationTests.Messaging.MessagingApi;

namespace ConnectidMail.IntegrationTests.Uploads;

/// <summary>A portal whose uploads a fake clamd on 127.0.0.1 scans, with the default allow-list of file types.</summary>
public sealed class ScannedPortalFixture : IAsyncLifetime
{
    public ScannedPortalFixture()
    {
        var settings = Clamd.Settings();
        Portal = new PortalFactory(settings) { TestServices = services => services.AddSingleton<ILoggerProvider>(Logs) };
    }

    public FakeClamd Clamd { get; } = FakeClamd.Start();

    public LogCollector Logs { get; } = new();

    public PortalFactory Portal { get; }

    public string Key { get; private set; } = "";

    public async Task InitializeAsync() => Key = (await CreateUserWithKeyAsync(Portal, "Sender")).Key;

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        await Clamd.DisposeAsync();
    }
}

/// <summary>
/// Issue #7, upload checks and the malware scanning hook, through the real API: refused files name themselves in
/// problem details under <c>errors.files</c> and leave nothing stored (no rows, no blobs, no temporary files).
/// </summary>
public sealed class UploadCheckTests(ScannedPortalFixture fixture) : IClassFixture<ScannedPortalFixture>
{
    private const string Valid = """{"to":["a@example.com"],"subject":"Documents","body":"attached"}""";

    private PortalFactory Portal => fixture.Portal;

    private FakeClamd Clamd => fixture.Clamd;

    [Fact]
    public async Task A_clean_file_is_scanned_as_it_streams_accepted_and_downloads_equal()
    {
        Clamd.Answer = ClamdAnswer.Clean;
        var before = Clamd.Streams.Count;
        // Several 64 KiB segments, so the scanner gets the file in several chunks.
        var file = SampleFiles.For("contract.pdf", 200_000);
        using var client = Client(Portal, fixture.Key);

        using var response = await client.PostAsync("/api/v1/messages", Form(("contract.pdf", file)));

        var id = (await ReadJsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        Assert.Equal(file, Clamd.Streams[before]);
        Assert.Equal(before + 1, Clamd.Streams.Count);
        Assert.Empty(Clamd.ProtocolErrors);
        var attachment = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}")).GetProperty("attachments")[0];
        Assert.Equal(file, await client.GetByteArrayAsync($"/api/v1/attachments/{attachment.GetProperty("id").GetGuid()}"));
    }

    [Fact]
    public async Task A_virus_is_refused_with_nothing_stored_after_the_scanner_got_exactly_its_bytes_and_is_logged_without_content()
    {
        Clamd.Answer = ClamdAnswer.Infected;
        var before = Clamd.Streams.Count;
        var clean = SampleFiles.For("first.pdf", 80_000);
        var marker = $"virus{Guid.NewGuid():N}";
        byte[] virus = [.. Encoding.ASCII.GetBytes($"Pretend malware {marker}: "), .. FakeClamd.VirusMarker];

        var problem = await AssertRefusedAsync(Form(("first.pdf", clean), ("eicar.txt", virus)), HttpStatusCode.BadRequest);

        Assert.Equal($"'eicar.txt' contains malware ({FakeClamd.Signature}) and was refused.", FilesError(problem));
        // Both files went to the scanner, each exactly, and the first one's blob is gone too.
        Assert.Equal([clean, virus], Clamd.Streams.Skip(before));
        Assert.Empty(Clamd.ProtocolErrors);
        var warning = Assert.Single(fixture.Logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains(FakeClamd.Signature, StringComparison.Ordinal));
        Assert.Contains("AttachmentId=", warning, StringComparison.Ordinal);
        Assert.Contains("MessageId=", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Logs.Lines, l => l.Contains(marker, StringComparison.Ordinal));
        var recorded = await LastRejectionAsync();
        Assert.Equal(AuditActorKind.ApiKey, recorded.ActorKind);
        Assert.NotNull(recorded.MessageId);
        Assert.Contains(recorded.AttachmentId!.Value.ToString(), warning, StringComparison.Ordinal);
        Assert.Equal($$"""{"fileType":"txt","reason":"malware found","signature":"{{FakeClamd.Signature}}"}""", recorded.Detail);
        Assert.True((await Portal.WithDbAsync(db => new AuditVerifier(db).VerifyAsync([]))).Valid);
    }

    [Fact]
    public async Task A_file_over_the_scanners_stream_limit_is_refused_with_413_and_nothing_stored()
    {
        Clamd.Answer = ClamdAnswer.SizeLimit;
        Clamd.StreamMaxLength = 100_000;

        var problem = await AssertRefusedAsync(Form(("large.pdf", SampleFiles.For("large.pdf", 2_000_000))), HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal("'large.pdf' is larger than the malware scanner accepts, so it could not be checked and was refused.", FilesError(problem));
    }

    [Fact]
    public async Task A_scanner_that_closes_the_connection_refuses_the_file_as_unchecked_with_nothing_stored()
    {
        Clamd.Answer = ClamdAnswer.Close;

        var problem = await AssertRefusedAsync(Form(("notes.txt", SampleFiles.For("notes.txt", 70_000))), HttpStatusCode.BadRequest);

        Assert.Equal("'notes.txt' could not be checked for malware; try again later.", FilesError(problem));
    }

    [Fact]
    public async Task An_ELF_executable_renamed_pdf_is_refused_with_nothing_stored_and_never_reaches_the_scanner_whole()
    {
        Clamd.Answer = ClamdAnswer.Clean;
        var before = Clamd.Streams.Count;
        var elf = new byte[50_000];
        Random.Shared.NextBytes(elf);
        "\u007fELF\u0002\u0001\u0001"u8.CopyTo(elf);

        var problem = await AssertRefusedAsync(Form(("invoice.pdf", elf)), HttpStatusCode.BadRequest);

        Assert.Equal("'invoice.pdf' is a program or script, which is never accepted.", FilesError(problem));
        Assert.Equal(before, Clamd.Streams.Count);
        var recorded = await LastRejectionAsync();
        Assert.Equal("""{"fileType":"pdf","reason":"executable content","signature":null}""", recorded.Detail);
        Assert.DoesNotContain("invoice", recorded.Detail!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("setup.exe", "'setup.exe' is a .exe file, a type not accepted here.")]
    [InlineData("run.sh", "'run.sh' is a .sh file, a type not accepted here.")]
    [InlineData("page.html", "'page.html' is a .html file, a type not accepted here.")]
    [InlineData("../../bin/invoice.pdf.bat", "'invoice.pdf.bat' is a .bat file, a type not accepted here.")]
    public async Task A_type_not_on_the_allow_list_is_refused_by_name_with_nothing_stored(string name, string expected)
    {
        var connections = Clamd.Connections;

        var problem = await AssertRefusedAsync(Form((name, SampleFiles.For("any.txt", 1_000))), HttpStatusCode.BadRequest);

        Assert.StartsWith(expected, FilesError(problem), StringComparison.Ordinal);
        Assert.Contains("Accepted types: pdf, doc, docx", FilesError(problem), StringComparison.Ordinal);
        Assert.Equal(connections, Clamd.Connections);
    }

    [Fact]
    public async Task Text_holding_binary_data_is_refused()
    {
        Clamd.Answer = ClamdAnswer.Clean;
        var content = SampleFiles.For("data.csv", 10_000);
        content[5_000] = 0;

        var problem = await AssertRefusedAsync(Form(("data.csv", content)), HttpStatusCode.BadRequest);

        Assert.Equal("'data.csv' is not a plain text file: it holds binary data.", FilesError(problem));
    }

    [Fact]
    public async Task With_the_scanner_down_a_file_is_refused_cleanly_as_unchecked_with_nothing_stored()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Scanning:ClamAv:Host"] = "127.0.0.1",
            ["Scanning:ClamAv:Port"] = $"{PortalFactory.FreeTcpPort()}",
            ["Scanning:ClamAv:TimeoutSeconds"] = "5",
        };
        using var portal = new PortalFactory(settings);
        var (_, key) = await CreateUserWithKeyAsync(portal, "Sender");
        using var client = Client(portal, key);
        var before = await StoredAsync(portal);

        using var response = await client.PostAsync("/api/v1/messages", Form(("scan.png", SampleFiles.For("scan.png", 5_000))));

        var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("'scan.png' could not be checked for malware; try again later.", FilesError(problem));
        Assert.Equal(before, await StoredAsync(portal));
    }

    [Fact]
    public async Task The_admin_dashboard_says_scanning_is_on_with_the_scanners_address()
    {
        var page = await AdminDashboardAsync(Portal);

        Assert.Contains($"Malware scanning: on (ClamAV at 127.0.0.1:{Clamd.Port})", page, StringComparison.Ordinal);
    }

    /// <summary>Signs in a new admin (with an authenticator, as admins must) and returns the dashboard's HTML.</summary>
    internal static async Task<string> AdminDashboardAsync(PortalFactory portal)
    {
        var email = $"admin-{Guid.NewGuid():N}@example.com";
        var created = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", StaffRoles.Admin, "--password", Password);
        Assert.True(created.ExitCode == 0, created.Error);
        using var session = new StaffSession(portal);
        Assert.Equal("/", await session.LogInWithAuthenticatorAsync(email, Password));
        return WebUtility.HtmlDecode(await session.Client.GetStringAsync("/"));
    }

    private Task<AuditEvent> LastRejectionAsync() =>
        Portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Action == AuditActions.UploadRejected).OrderByDescending(e => e.Sequence).FirstAsync());

    private static MultipartFormDataContent Form(params (string Name, byte[] Content)[] files)
    {
        var form = new MultipartFormDataContent { { MessagePart(Valid), "message" } };
        foreach (var (name, content) in files)
        {
            form.Add(new ByteArrayContent(content), "files", name);
        }

        return form;
    }

    private static string FilesError(JsonElement problem) => Assert.Single(problem.GetProperty("errors").GetProperty("files").EnumerateArray()).GetString()!;

    /// <summary>Sends the upload, expects the refusal for the files field, and that the portal's stored state did not change.</summary>
    private async Task<JsonElement> AssertRefusedAsync(MultipartFormDataContent form, HttpStatusCode status)
    {
        using var client = Client(Portal, fixture.Key);
        var before = await StoredAsync(Portal);

        using (form)
        {
            using var response = await client.PostAsync("/api/v1/messages", form);
            var problem = await ReadProblemAsync(response, status);
            AssertFieldError(problem, "files");
            Assert.Equal(before, await StoredAsync(Portal));
            Assert.DoesNotContain(".partial", before.BlobFiles, StringComparison.Ordinal);
            return problem;
        }
    }
}
