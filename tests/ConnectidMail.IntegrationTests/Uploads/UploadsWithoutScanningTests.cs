using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConnectidMail.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingApi;

namespace ConnectidMail.IntegrationTests.Uploads;

/// <summary>A portal without a malware scanner whose allow-list an admin set to pdf, txt and html.</summary>
public sealed class UnscannedPortalFixture : IAsyncLifetime
{
    public PortalFactory Portal { get; } = new(new Dictionary<string, string?> { ["Policy:AllowedFileTypes"] = "pdf,txt,html" });

    public string Key { get; private set; } = "";

    public async Task InitializeAsync() => Key = (await CreateUserWithKeyAsync(Portal, "Sender")).Key;

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}

/// <summary>Without a scanner, uploads are accepted and admins are told; a configured allow-list replaces the default one.</summary>
public sealed class UploadsWithoutScanningTests(UnscannedPortalFixture fixture) : IClassFixture<UnscannedPortalFixture>
{
    private PortalFactory Portal => fixture.Portal;

    [Fact]
    public async Task An_HTML_file_with_a_script_is_served_only_as_a_sandboxed_nosniff_download()
    {
        using var client = Client(Portal, fixture.Key);
        var html = Encoding.UTF8.GetBytes("<!doctype html><title>x</title><script>document.title = 'ran';</script><p>Invoice</p>\n");
        using var form = new MultipartFormDataContent
        {
            { MessagePart("""{"to":["a@example.com"],"subject":"Page","body":""}"""), "message" },
            { new ByteArrayContent(html), "files", "invoice.html" },
        };

        using var sent = await client.PostAsync("/api/v1/messages", form);

        var id = (await ReadJsonAsync(sent, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var attachmentId = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}")).GetProperty("attachments")[0].GetProperty("id").GetGuid();
        using var download = await client.GetAsync($"/api/v1/attachments/{attachmentId}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(html, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("invoice.html", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", Assert.Single(download.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("sandbox", Assert.Single(download.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task A_file_is_accepted_without_a_scanner_and_a_type_off_the_configured_list_is_refused()
    {
        using var client = Client(Portal, fixture.Key);
        var pdf = SampleFiles.For("scan.pdf", 70_000);
        using (var accepted = new MultipartFormDataContent
        {
            { MessagePart("""{"to":["a@example.com"],"subject":"Scan","body":""}"""), "message" },
            { new ByteArrayContent(pdf), "files", "scan.pdf" },
        })
        {
            using var response = await client.PostAsync("/api/v1/messages", accepted);
            await ReadJsonAsync(response, HttpStatusCode.Created);
        }

        var before = await StoredAsync(Portal);
        using var refused = new MultipartFormDataContent
        {
            { MessagePart("""{"to":["a@example.com"],"subject":"Photo","body":""}"""), "message" },
            { new ByteArrayContent(SampleFiles.For("photo.png", 5_000)), "files", "photo.png" },
        };
        using var refusal = await client.PostAsync("/api/v1/messages", refused);

        var problem = await ReadProblemAsync(refusal, HttpStatusCode.BadRequest);
        Assert.Equal(
            "'photo.png' is a .png file, a type not accepted here. Accepted types: pdf, txt, html.",
            Assert.Single(problem.GetProperty("errors").GetProperty("files").EnumerateArray()).GetString());
        Assert.Equal(before, await StoredAsync(Portal));
    }

    [Fact]
    public async Task The_admin_dashboard_says_scanning_is_off_and_lists_the_accepted_types()
    {
        var page = await UploadCheckTests.AdminDashboardAsync(Portal);

        Assert.Contains("Malware scanning: off", page, StringComparison.Ordinal);
        Assert.Contains("Accepted file types: pdf, txt, html", page, StringComparison.Ordinal);
    }
}
