using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>Portals on a controlled clock, a sender with an API key, and bounded waits for the messaging tests.</summary>
internal static class MessagingTestSupport
{
    public const string PublicBaseUrl = "https://mail.example.test";

    public const string Organisation = "Example Care Org";

    /// <summary>A clock that stands still until moved, on a whole second: the database keeps times to 100 microseconds.</summary>
    public static FakeTimeProvider NewClock()
    {
        var now = DateTimeOffset.UtcNow;
        return new FakeTimeProvider(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
    }

    public static string NewMarker() => $"marker{Guid.NewGuid():N}";

    /// <summary>The portal settings every messaging test uses, plus <paramref name="extra"/>.</summary>
    public static Dictionary<string, string?> Settings(IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Portal:PublicBaseUrl"] = PublicBaseUrl,
            ["Portal:OrganisationName"] = Organisation,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Settings for several portals in turn on one data folder, master key and database, as across restarts.</summary>
    public static Dictionary<string, string?> SharedDataSettings(TempFolder data, IDictionary<string, string?>? extra = null)
    {
        var settings = Settings(extra);
        settings["Storage:DataPath"] = data.Combine("data");
        settings["Keys:MasterKeyFile"] = data.Combine("keys", "master.key");
        // In the PostgreSQL lane: one database for all the portals sharing these settings, left to the throwaway server.
        DatabaseLane.AddSettings(settings);
        return settings;
    }

    public static PortalFactory Portal(IDictionary<string, string?> settings, TimeProvider? clock = null, LogCollector? logs = null) =>
        new(settings)
        {
            TestServices = services =>
            {
                if (clock is not null)
                {
                    services.AddSingleton(clock);
                }

                if (logs is not null)
                {
                    services.AddSingleton<ILoggerProvider>(logs);
                }
            },
        };

    /// <summary>A new Sender with an API key, and a client that uses the key.</summary>
    public static async Task<HttpClient> SenderClientAsync(PortalFactory portal)
    {
        var email = $"sender-{Guid.NewGuid():N}@example.com";
        var user = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", StaffRoles.Sender, "--password", "a sufficiently long password");
        Assert.True(user.ExitCode == 0, user.Error);
        var key = await AdminCliRunner.RunAsync(portal, "create-api-key", "--email", email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        return ClientWithKey(portal, key.OutputLines[^1]);
    }

    public static HttpClient ClientWithKey(PortalFactory portal, string apiKey)
    {
        var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    public static string ApiKeyOf(HttpClient client) => client.DefaultRequestHeaders.Authorization!.Parameter!;

    /// <summary>Sends a message as JSON; returns its id.</summary>
    public static async Task<Guid> SendAsync(HttpClient client, object message)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/messages", message);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>Sends a message as multipart form data with files; returns its id.</summary>
    public static async Task<Guid> SendWithFilesAsync(HttpClient client, object message, params (string Name, byte[] Content)[] files)
    {
        using var form = new MultipartFormDataContent { { JsonContent.Create(message), "message" } };
        foreach (var (name, content) in files)
        {
            form.Add(new ByteArrayContent(content), "files", name);
        }

        using var response = await client.PostAsync("/api/v1/messages", form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> GetMessageAsync(HttpClient client, Guid id)
    {
        using var response = await client.GetAsync($"/api/v1/messages/{id}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static JsonElement RecipientOf(JsonElement message, string email) =>
        message.GetProperty("recipients").EnumerateArray().Single(r => r.GetProperty("email").GetString() == email);

    /// <summary>Polls the API until the recipient's status is <paramref name="status"/>; returns the recipient then.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(HttpClient client, Guid id, string email, string status, TimeSpan? timeout = null)
    {
        JsonElement recipient = default;
        await WaitForAsync(
            async () => (recipient = RecipientOf(await GetMessageAsync(client, id), email)).GetProperty("status").GetString() == status,
            timeout ?? TimeSpan.FromSeconds(15),
            () => $"Recipient {email} was last seen as {recipient}.");
        return recipient;
    }

    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string>? lastState = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < timeout, $"The expected state was not reached within {timeout}. {lastState?.Invoke()}");
            await Task.Delay(25);
        }
    }
}
