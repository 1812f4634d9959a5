using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>Callers of the messages API and what a portal has stored, for the messaging tests.</summary>
internal static class MessagingApi
{
    public const string Password = "a sufficiently long password";

    /// <summary>A new user with <paramref name="role"/> (comma-separated roles allowed) and an API key of theirs.</summary>
    public static async Task<(string Email, string Key)> CreateUserWithKeyAsync(PortalFactory portal, string role)
    {
        var email = $"{role.Replace(',', '-').ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var user = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", role, "--password", Password);
        Assert.True(user.ExitCode == 0, user.Error);
        var key = await AdminCliRunner.RunAsync(portal, "create-api-key", "--email", email, "--name", "messaging tests");
        Assert.True(key.ExitCode == 0, key.Error);
        return (email, key.OutputLines[^1]);
    }

    public static HttpClient Client(PortalFactory portal, string? key)
    {
        var client = portal.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public static async Task<HttpClient> SenderClientAsync(PortalFactory portal) =>
        Client(portal, (await CreateUserWithKeyAsync(portal, "Sender")).Key);

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A message part as a plain form field (no content type, no file name).</summary>
    public static StringContent MessagePart(string json) => new(json, Encoding.UTF8) { Headers = { ContentType = null } };

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with <paramref name="expected"/> as status, in the body too.</summary>
    public static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var problem = await ReadJsonAsync(response, expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>The validation errors of a problem: the named field must have at least one message.</summary>
    public static void AssertFieldError(JsonElement problem, string field)
    {
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"No error for '{field}' in {errors}");
        Assert.NotEqual(0, messages.GetArrayLength());
    }

    public static async Task<JsonElement> SendJsonAsync(HttpClient client, string json)
    {
        using var response = await client.PostAsync("/api/v1/messages", Json(json));
        return await ReadJsonAsync(response, HttpStatusCode.Created);
    }

    public static void AssertUtc(JsonElement time)
    {
        var text = time.GetString();
        Assert.NotNull(text);
        Assert.EndsWith("Z", text, StringComparison.Ordinal);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", text);
    }

    /// <summary>Rows of everything a sent message or a reply stores, and the files under the blob folder (its temporary files included).</summary>
    public static async Task<StoredState> StoredAsync(PortalFactory portal)
    {
        var rows = await portal.WithDbAsync(async db => new[]
        {
            await db.DataKeys.CountAsync(),
            await db.Messages.CountAsync(),
            await db.MessageRecipients.CountAsync(),
            await db.Attachments.CountAsync(),
            await db.OutboxMails.CountAsync(),
            await db.Replies.CountAsync(),
            await db.ReplyAttachments.CountAsync(),
            await db.RecipientLinkTokens.CountAsync(),
        });
        var blobs = Path.Combine(portal.DataPath, "blobs");
        var files = Directory.Exists(blobs)
            ? Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(blobs, f)).Order(StringComparer.Ordinal).ToList()
            : [];
        return new StoredState(rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], rows[7], string.Join("\n", files));
    }
}

internal sealed record StoredState(
    int DataKeys, int Messages, int Recipients, int Attachments, int OutboxMails, int Replies, int ReplyAttachments, int RecipientLinkTokens, string BlobFiles);
