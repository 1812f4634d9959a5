using System.Net;
using System.Net.Sockets;
using ConnectidMail.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.Testing;

/// <summary>
/// The real portal on a real database of its own: a SQLite file in its own folder, or in the PostgreSQL lane
/// (<see cref="DatabaseLane"/>) a database of its own on the throwaway test server. In-memory (TestServer) by
/// default; <see cref="StartOnKestrel"/> serves it on http://localhost:PORT for a browser.
/// A setting whose value is null is left out, so the portal's own default applies.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;
    private readonly string? ownPostgresDatabase;

    public PortalFactory(IDictionary<string, string?>? settings = null, string environment = "Development")
    {
        Environment = environment;
        this.settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        // A test may point a second portal at the data of a first one, as after a restart.
        this.settings.TryAdd("Storage:DataPath", Folder.Combine("data"));
        this.settings.TryAdd("Keys:MasterKeyFile", Folder.Combine("keys", "master.key"));
        ownPostgresDatabase = DatabaseLane.AddSettings(this.settings);
        // Secure (__Host-) cookies only travel over https, even to an in-memory server.
        ClientOptions.BaseAddress = new Uri("https://localhost");
    }

    public TempFolder Folder { get; } = new();

    public string DataPath => settings["Storage:DataPath"]!;

    public string MasterKeyFile => settings["Keys:MasterKeyFile"]!;

    /// <summary>The settings that point a second portal at this one's data, database and master key, as after a restart.</summary>
    public Dictionary<string, string?> DataSettings => settings
        .Where(s => s.Key is "Storage:DataPath" or "Keys:MasterKeyFile" or "Database:Provider" or "ConnectionStrings:Default" or "Database:AutoMigrate")
        .ToDictionary();

    public string Environment { get; }

    /// <summary>The settings the portal runs with, as command-line style arguments for the admin CLI.</summary>
    public IEnumerable<string> SettingArguments =>
        [$"--environment={Environment}", .. GivenSettings.Select(s => $"--{s.Key}={s.Value}")];

    public Uri? ServerAddress { get; private set; }

    /// <summary>Registrations applied after the portal's own, e.g. a fake <see cref="TimeProvider"/> or a log collector.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    public PortalFactory StartOnKestrel() => StartOnKestrel(FreeTcpPort());

    /// <summary>Serves on a port chosen beforehand, e.g. because a setting such as <c>Portal:PublicBaseUrl</c> names it.</summary>
    public PortalFactory StartOnKestrel(int port)
    {
        ServerAddress = new Uri($"http://localhost:{port}");
        UseKestrel(port);
        StartServer();
        return this;
    }

    public async Task<T> WithDbAsync<T>(Func<ConnectidDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ConnectidDbContext>());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        foreach (var (key, value) in GivenSettings)
        {
            builder.UseSetting(key, value);
        }

        if (TestServices is not null)
        {
            builder.ConfigureTestServices(TestServices);
        }
    }

    private IEnumerable<KeyValuePair<string, string?>> GivenSettings => settings.Where(s => s.Value is not null);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Folder.Dispose();
            if (ownPostgresDatabase is not null)
            {
                PostgresTestServer.Shared.DropDatabase(ownPostgresDatabase);
            }
        }
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
