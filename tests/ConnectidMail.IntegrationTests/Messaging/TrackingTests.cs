using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectidMail.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingApi;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>The sender's list, revoking, and attachment downloads with byte ranges.</summary>
public sealed class TrackingTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task The_list_holds_only_the_callers_messages_newest_first_in_pages()
    {
        using var client = await SenderClientAsync(fixture.Portal);
        using var other = await SenderClientAsync(fixture.Portal);
        await SendJsonAsync(other, """{"to":["x@example.com"],"subject":"Someone else's","body":""}""");
        var ids = new List<Guid>();
        foreach (var subject in new[] { "First", "Second", "Third" })
        {
            ids.Add((await SendJsonAsync(client, $$"""{"to":["r@example.com","s@example.com"],"subject":"{{subject}}","body":"b"}""")).GetProperty("id").GetGuid());
            await Task.Delay(20);
        }

        var first = await client.GetFromJsonAsync<JsonElement>("/api/v1/messages?page=1&pageSize=2");
        var second = await client.GetFromJsonAsync<JsonElement>("/api/v1/messages?page=2&pageSize=2");
        var all = await client.GetFromJsonAsync<JsonElement>("/api/v1/messages");

        Assert.Equal(1, first.GetProperty("page").GetInt32());
        Assert.Equal(2, first.GetProperty("pageSize").GetInt32());
        Assert.Equal(3, first.GetProperty("total").GetInt32());
        Assert.Equal(["Third", "Second"], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("subject").GetString()));
        Assert.Equal(2, second.GetProperty("page").GetInt32());
        Assert.Equal(3, second.GetProperty("total").GetInt32());
        Assert.Equal(["First"], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("subject").GetString()));
        Assert.Equal(50, all.GetProperty("pageSize").GetInt32());
        Assert.Equal(Enumerable.Reverse(ids), all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
        var item = all.GetProperty("items")[0];
        AssertUtc(item.GetProperty("createdAt"));
        AssertUtc(item.GetProperty("expiresAt"));
        Assert.Equal(["r@example.com", "s@example.com"], item.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("email").GetString()));
        Assert.All(item.GetProperty("recipients").EnumerateArray(), r => Assert.Contains(r.GetProperty("status").GetString(), new[] { "pending", "notified" }));
    }

    [Theory]
    [InlineData("page=0")]
    [InlineData("page=-1")]
    [InlineData("pageSize=0")]
    [InlineData("pageSize=101")]
    [InlineData("page=abc")]
    [InlineData("pageSize=1.5")]
    public async Task Bad_paging_is_answered_with_400_problem_details(string query)
    {
        using var client = await SenderClientAsync(fixture.Portal);

        using var response = await client.GetAsync($"/api/v1/messages?{query}");

        await ReadProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Revoking_answers_the_message_with_revoked_recipients_twice_alike_and_stops_its_files()
    {
        using var client = await SenderClientAsync(fixture.Portal);
        var file = SampleFiles.For("withdrawn.txt", 1000);
        using var form = new MultipartFormDataContent
        {
            { MessagePart("""{"to":["a@example.com","b@example.com"],"subject":"To withdraw","body":"oops"}"""), "message" },
            { new ByteArrayContent(file), "files", "withdrawn.txt" },
        };
        using var sent = await client.PostAsync("/api/v1/messages", form);
        var id = (await ReadJsonAsync(sent, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var attachmentId = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}")).GetProperty("attachments")[0].GetProperty("id").GetGuid();
        Assert.Equal(file, await client.GetByteArrayAsync($"/api/v1/attachments/{attachmentId}"));

        using var revoke = await client.PostAsync($"/api/v1/messages/{id}/revoke", null);
        var revoked = await ReadJsonAsync(revoke, HttpStatusCode.OK);
        using var again = await client.PostAsync($"/api/v1/messages/{id}/revoke", null);
        var revokedAgain = await ReadJsonAsync(again, HttpStatusCode.OK);

        Assert.Equal(id, revoked.GetProperty("id").GetGuid());
        Assert.Equal("To withdraw", revoked.GetProperty("subject").GetString());
        AssertUtc(revoked.GetProperty("revokedAt"));
        Assert.Equal(["revoked", "revoked"], revoked.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(revoked.GetProperty("revokedAt").GetString(), revokedAgain.GetProperty("revokedAt").GetString());
        Assert.Equal(["revoked", "revoked"], revokedAgain.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("status").GetString()));
        var read = await client.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}");
        Assert.Equal(["revoked", "revoked"], read.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("status").GetString()));
        var listed = (await client.GetFromJsonAsync<JsonElement>("/api/v1/messages")).GetProperty("items")[0];
        Assert.Equal(id, listed.GetProperty("id").GetGuid());
        AssertUtc(listed.GetProperty("revokedAt"));
        Assert.Equal(["revoked", "revoked"], listed.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("status").GetString()));

        using var download = await client.GetAsync($"/api/v1/attachments/{attachmentId}");
        await ReadProblemAsync(download, HttpStatusCode.Gone);
    }

    [Fact]
    public async Task An_attachment_downloads_whole_and_in_ranges_as_a_sandboxed_uncached_attachment()
    {
        using var client = await SenderClientAsync(fixture.Portal);
        var file = SampleFiles.For("figures.pdf", 300_000);
        using var form = new MultipartFormDataContent
        {
            { MessagePart("""{"to":["a@example.com"],"subject":"Ranges","body":""}"""), "message" },
            { new ByteArrayContent(file), "files", "figures.pdf" },
        };
        using var sent = await client.PostAsync("/api/v1/messages", form);
        var id = (await ReadJsonAsync(sent, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var attachmentId = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}")).GetProperty("attachments")[0].GetProperty("id").GetGuid();
        var url = $"/api/v1/attachments/{attachmentId}";

        using (var whole = await client.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal(file, await whole.Content.ReadAsByteArrayAsync());
            AssertDownloadHeaders(whole, "figures.pdf");
            Assert.Equal(file.Length, whole.Content.Headers.ContentLength);
            Assert.Contains("bytes", whole.Headers.AcceptRanges);
        }

        // Across the boundary of the 64 KiB segments 1 and 2 (65536 * 2 = 131072), and ending inside segment 3.
        await AssertRangeAsync(client, url, file, "bytes=100000-200000", 100_000, 200_000);
        await AssertRangeAsync(client, url, file, "bytes=131071-131072", 131_071, 131_072);
        await AssertRangeAsync(client, url, file, "bytes=-1000", file.Length - 1000, file.Length - 1);
        await AssertRangeAsync(client, url, file, "bytes=299990-", 299_990, file.Length - 1);
        await AssertRangeAsync(client, url, file, "bytes=0-0", 0, 0);

        using var outside = new HttpRequestMessage(HttpMethod.Get, url);
        outside.Headers.Range = RangeHeaderValue.Parse("bytes=300000-300100");
        using var unsatisfiable = await client.SendAsync(outside);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal(file.Length, unsatisfiable.Content.Headers.ContentRange?.Length);
    }

    private static async Task AssertRangeAsync(HttpClient client, string url, byte[] file, string range, long from, long to)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = RangeHeaderValue.Parse(range);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        var contentRange = response.Content.Headers.ContentRange;
        Assert.NotNull(contentRange);
        Assert.Equal((from, to, (long)file.Length), (contentRange.From, contentRange.To, contentRange.Length));
        Assert.Equal(file.AsSpan((int)from, (int)(to - from + 1)).ToArray(), await response.Content.ReadAsByteArrayAsync());
        AssertDownloadHeaders(response, "figures.pdf");
    }

    private static void AssertDownloadHeaders(HttpResponseMessage response, string fileName)
    {
        var disposition = response.Content.Headers.ContentDisposition;
        Assert.NotNull(disposition);
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal(fileName, disposition.FileName?.Trim('"'));
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("sandbox", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control: {response.Headers.CacheControl}");
    }
}
