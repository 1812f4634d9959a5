using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ConnectidMail.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingApi;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>A portal with low policy limits, so that refusals are cheap to provoke.</summary>
public sealed class LimitedPortalFixture : IAsyncLifetime
{
    public const int MaxRecipients = 3;
    public const int MaxFileBytes = 300_000;
    public const int MaxMessageBytes = 500_000;
    public const int MaxFiles = 3;
    public const int MaxExpiryDays = 10;

    public PortalFactory Portal { get; } = new(new Dictionary<string, string?>
    {
        ["Policy:MaxRecipients"] = $"{MaxRecipients}",
        ["Policy:MaxFileBytes"] = $"{MaxFileBytes}",
        ["Policy:MaxMessageBytes"] = $"{MaxMessageBytes}",
        ["Policy:MaxFiles"] = $"{MaxFiles}",
        ["Policy:DefaultExpiryDays"] = "5",
        ["Policy:MaxExpiryDays"] = $"{MaxExpiryDays}",
    });

    public string Key { get; private set; } = "";

    public async Task InitializeAsync() => Key = (await CreateUserWithKeyAsync(Portal, "Sender")).Key;

    public Task DisposeAsync()
    {
        Portal.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Bad input is answered with problem details, and nothing of the refused message is stored: no rows, no blobs, no temporary files.</summary>
public sealed class RejectionTests(LimitedPortalFixture fixture) : IClassFixture<LimitedPortalFixture>
{
    private const string Valid = """{"to":["a@example.com"],"subject":"Fine","body":"fine"}""";

    private PortalFactory Portal => fixture.Portal;

    public static TheoryData<string, string> BadJson => new()
    {
        { """{"to":[],"subject":"No one","body":""}""", "to" },
        { """{"subject":"No one","body":""}""", "to" },
        { """{"to":["not-an-address"],"subject":"Bad","body":""}""", "to" },
        { """{"to":["a@example.com","Someone <b@example.com>"],"subject":"Display name","body":""}""", "to" },
        { """{"to":["a@localhost"],"subject":"No dotted domain","body":""}""", "to" },
        { """{"to":["a@example.com","b@example.com","c@example.com","d@example.com"],"subject":"Too many","body":""}""", "to" },
        { """{"to":["a@example.com"],"subject":"","body":""}""", "subject" },
        { """{"to":["a@example.com"],"subject":"Past","body":"","expiresAt":"2020-01-01T00:00:00Z"}""", "expiresAt" },
        { $$"""{"to":["a@example.com"],"subject":"Far","body":"","expiresAt":"{{DateTimeOffset.UtcNow.AddDays(LimitedPortalFixture.MaxExpiryDays + 1):O}}"}""", "expiresAt" },
        { """{"to":["a@example.com"],"subject":"Short code","body":"","accessCode":"12"}""", "accessCode" },
        { """{"to":["a@example.com"],"subject":"Broken""", "message" },
        { """{"to":"a@example.com","subject":"Not a list","body":""}""", "message" },
        { """[1,2,3]""", "message" },
        { "", "message" },
        { "null", "message" },
    };

    [Theory]
    [MemberData(nameof(BadJson))]
    public async Task A_bad_JSON_message_is_refused_with_400_and_nothing_stored(string json, string field)
    {
        await AssertRefusedAsync(() => Json(json), HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [MemberData(nameof(BadJson))]
    public async Task A_bad_message_part_with_files_before_and_after_it_is_refused_with_400_and_nothing_stored(string json, string field)
    {
        await AssertRefusedAsync(
            () => new MultipartFormDataContent
            {
                { new ByteArrayContent(SampleFiles.For("before.pdf", 70_000)), "files", "before.pdf" },
                { MessagePart(json), "message" },
                { new ByteArrayContent(SampleFiles.For("after.pdf", 1_000)), "files", "after.pdf" },
            },
            HttpStatusCode.BadRequest,
            field);
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_with_413_and_nothing_stored()
    {
        await AssertRefusedAsync(
            () => new MultipartFormDataContent
            {
                { MessagePart(Valid), "message" },
                { new ByteArrayContent(SampleFiles.For("small.txt", 100)), "files", "small.txt" },
                { new ByteArrayContent(SampleFiles.For("big.pdf", LimitedPortalFixture.MaxFileBytes + 1)), "files", "big.pdf" },
            },
            HttpStatusCode.RequestEntityTooLarge,
            "files");
    }

    [Fact]
    public async Task A_file_at_the_limit_is_accepted()
    {
        using var client = Client(Portal, fixture.Key);
        var file = SampleFiles.For("exact.pdf", LimitedPortalFixture.MaxFileBytes);
        using var form = new MultipartFormDataContent
        {
            { MessagePart(Valid), "message" },
            { new ByteArrayContent(file), "files", "exact.pdf" },
        };

        using var response = await client.PostAsync("/api/v1/messages", form);

        await ReadJsonAsync(response, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Files_together_over_the_message_limit_are_refused_with_413_and_nothing_stored()
    {
        await AssertRefusedAsync(
            () => new MultipartFormDataContent
            {
                { new ByteArrayContent(SampleFiles.For("one.pdf", 250_000)), "files", "one.pdf" },
                { new ByteArrayContent(SampleFiles.For("two.pdf", 250_001)), "files", "two.pdf" },
                { MessagePart(Valid), "message" },
            },
            HttpStatusCode.RequestEntityTooLarge,
            "files");
    }

    [Fact]
    public async Task More_files_than_allowed_are_refused_with_413_and_nothing_stored()
    {
        await AssertRefusedAsync(
            () =>
            {
                var form = new MultipartFormDataContent { { MessagePart(Valid), "message" } };
                for (var i = 0; i <= LimitedPortalFixture.MaxFiles; i++)
                {
                    form.Add(new ByteArrayContent(SampleFiles.For("file.txt", 10)), "files", $"file{i}.txt");
                }

                return form;
            },
            HttpStatusCode.RequestEntityTooLarge,
            "files");
    }

    [Fact]
    public async Task A_JSON_body_over_the_message_part_limit_is_refused_with_413_and_nothing_stored()
    {
        var huge = new string('x', 3 * 1024 * 1024);
        await AssertRefusedAsync(
            () => Json($$"""{"to":["a@example.com"],"subject":"Huge","body":"{{huge}}"}"""),
            HttpStatusCode.RequestEntityTooLarge,
            "message");
    }

    [Fact]
    public async Task A_missing_message_part_is_refused_and_its_files_are_not_kept()
    {
        await AssertRefusedAsync(
            () => new MultipartFormDataContent
            {
                { new ByteArrayContent(SampleFiles.For("orphan.pdf", 70_000)), "files", "orphan.pdf" },
            },
            HttpStatusCode.BadRequest,
            "message");
    }

    [Fact]
    public async Task Two_message_parts_are_refused()
    {
        await AssertRefusedAsync(
            () => new MultipartFormDataContent
            {
                { MessagePart(Valid), "message" },
                { MessagePart(Valid), "message" },
            },
            HttpStatusCode.BadRequest,
            "message");
    }

    [Fact]
    public async Task An_unknown_part_name_is_refused_and_earlier_files_are_not_kept()
    {
        await AssertRefusedAsync(
            () => new MultipartFormDataContent
            {
                { MessagePart(Valid), "message" },
                { new ByteArrayContent(SampleFiles.For("kept.pdf", 1_000)), "files", "kept.pdf" },
                { new ByteArrayContent(RandomBytes(1_000)), "attachment", "wrong.bin" },
            },
            HttpStatusCode.BadRequest,
            "body");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    public async Task An_unsupported_content_type_is_refused_with_415(string contentType)
    {
        await AssertRefusedAsync(
            () => new StringContent(Valid, Encoding.UTF8, contentType),
            HttpStatusCode.UnsupportedMediaType,
            field: null);
    }

    [Fact]
    public async Task A_request_without_a_content_type_is_refused_with_415()
    {
        await AssertRefusedAsync(
            () =>
            {
                var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Valid));
                content.Headers.ContentType = null;
                return content;
            },
            HttpStatusCode.UnsupportedMediaType,
            field: null);
    }

    [Fact]
    public async Task A_multipart_request_without_a_boundary_is_refused()
    {
        await AssertRefusedAsync(
            () =>
            {
                var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Valid));
                content.Headers.ContentType = new MediaTypeHeaderValue("multipart/form-data");
                return content;
            },
            HttpStatusCode.BadRequest,
            "body");
    }

    /// <summary>Sends the request, expects the refusal, and that the portal's stored state did not change.</summary>
    private async Task AssertRefusedAsync(Func<HttpContent> content, HttpStatusCode status, string? field)
    {
        using var client = Client(Portal, fixture.Key);
        var before = await StoredAsync(Portal);
        using var body = content();

        using var response = await client.PostAsync("/api/v1/messages", body);

        var problem = await ReadProblemAsync(response, status);
        if (field is not null)
        {
            AssertFieldError(problem, field);
        }

        Assert.Equal(before, await StoredAsync(Portal));
        Assert.DoesNotContain(".partial", before.BlobFiles, StringComparison.Ordinal);
    }
}
