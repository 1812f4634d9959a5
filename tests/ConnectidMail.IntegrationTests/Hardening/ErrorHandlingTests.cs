using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ConnectidMail.IntegrationTests.Messaging;
using ConnectidMail.Testing;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>
/// Failures never show a stack trace, exception text or SQL: API callers get problem details with a trace id, people a
/// friendly page; empty error answers (404, 405, a request that cannot be bound) become a readable page or problem.
/// </summary>
public sealed class ErrorHandlingTests : IClassFixture<ErrorHandlingTests.Fixture>
{
    private readonly Fixture fixture;

    public ErrorHandlingTests(Fixture fixture) => this.fixture = fixture;

    [Fact]
    public async Task An_exception_on_a_page_shows_the_friendly_error_page_with_a_reference_and_nothing_of_the_exception()
    {
        using var response = await fixture.GetAsync(ThrowingPath.Path, "text/html");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Something went wrong", html, StringComparison.Ordinal);
        Assert.Contains("quote this reference", html, StringComparison.Ordinal);
        AssertNothingOfTheException(html);
    }

    [Fact]
    public async Task An_exception_in_the_api_answers_problem_details_with_a_trace_id_and_nothing_of_the_exception()
    {
        using var response = await fixture.GetAsync(ThrowingPath.ApiPath, "application/json");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(500, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("traceId").GetString()));
        AssertNothingOfTheException(text);
    }

    [Fact]
    public async Task Malformed_api_requests_answer_problem_details_without_exception_text()
    {
        using var client = await fixture.SenderAsync();

        using var unbindable = await client.GetAsync("/api/v1/messages?page=not-a-number");
        var unbindableText = await unbindable.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, unbindable.StatusCode);
        Assert.Equal("application/problem+json", unbindable.Content.Headers.ContentType?.MediaType);
        Assert.Contains("traceId", unbindableText, StringComparison.Ordinal);
        AssertNothingOfTheException(unbindableText);

        using var brokenJson = await client.PostAsync("/api/v1/messages", MessagingApi.Json("""{"to": ["a@example.com"], "subject": """));
        var brokenText = await brokenJson.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, brokenJson.StatusCode);
        Assert.Equal("application/problem+json", brokenJson.Content.Headers.ContentType?.MediaType);
        AssertNothingOfTheException(brokenText);
        Assert.DoesNotContain("JsonException", brokenText, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePosition", brokenText, StringComparison.Ordinal);

        using var unknown = await client.GetAsync("/api/v1/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/no-such-page", HttpStatusCode.NotFound, "Not found")]
    [InlineData("/api/v1/me", HttpStatusCode.Unauthorized, null)]
    public async Task Empty_error_answers_are_readable_pages_for_browsers(string path, HttpStatusCode status, string? heading)
    {
        using var response = await fixture.GetAsync(path, "text/html,application/xhtml+xml");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, response.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(body));
        if (heading is not null)
        {
            Assert.Contains($"<h1>{heading}</h1>", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_wrong_method_answers_problem_details_to_a_script()
    {
        using var response = await fixture.Client.PutAsync("/m/files/" + Guid.NewGuid(), new StringContent("x"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static void AssertNothingOfTheException(string body)
    {
        Assert.DoesNotContain("leaked-detail", body, StringComparison.Ordinal);
        Assert.DoesNotContain("SELECT", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain(".cs:line", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            Portal = new PortalFactory { TestServices = ThrowingPath.Install };
            Client = Portal.CreateClient(new() { AllowAutoRedirect = false });
        }

        public PortalFactory Portal { get; }

        public HttpClient Client { get; }

        public async Task<HttpResponseMessage> GetAsync(string path, string accept)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd(accept);
            return await Client.SendAsync(request);
        }

        public async Task<HttpClient> SenderAsync()
        {
            var client = Portal.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await MessagingApi.CreateUserWithKeyAsync(Portal, "Sender")).Key);
            return client;
        }

        public void Dispose()
        {
            Client.Dispose();
            Portal.Dispose();
        }
    }
}
