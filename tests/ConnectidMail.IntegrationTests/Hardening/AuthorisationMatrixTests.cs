using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>The seeded world of <see cref="SeededWorld"/>, once for the matrix tests.</summary>
public sealed class SeededWorldFixture : IAsyncLifetime
{
    private SeededWorld? world;

    internal SeededWorld World => world ?? throw new InvalidOperationException("The world is not seeded yet.");

    public async Task InitializeAsync() => world = await SeededWorld.CreateAsync();

    public async Task DisposeAsync()
    {
        if (world is not null)
        {
            await world.DisposeAsync();
        }
    }
}

/// <summary>
/// Every endpoint and routable page the portal maps (read from its own <see cref="EndpointDataSource"/>, so a new
/// one cannot be missed) × every kind of caller, checked over real HTTP against Kestrel with real cookies and keys:
/// the table is <see cref="AuthorisationMatrix"/>.
/// </summary>
public sealed class AuthorisationMatrixTests(SeededWorldFixture fixture) : IClassFixture<SeededWorldFixture>
{
    private SeededWorld World => fixture.World;

    [Fact]
    public void Every_endpoint_and_page_has_a_row_and_every_row_an_endpoint()
    {
        var mapped = MappedEndpoints();
        var rows = AuthorisationMatrix.Rows.Select(r => r.Endpoint).ToHashSet(StringComparer.Ordinal);

        var missing = mapped.Where(e => !rows.Contains(e)).Order(StringComparer.Ordinal).ToList();
        var stale = rows.Where(r => !mapped.Contains(r)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "Endpoints without a row in AuthorisationMatrix (add one per endpoint):\n" + string.Join("\n", missing));
        Assert.True(stale.Count == 0, "Rows in AuthorisationMatrix for endpoints the portal no longer maps:\n" + string.Join("\n", stale));
    }

    [Fact]
    public async Task Every_caller_gets_the_expected_outcome_on_every_endpoint()
    {
        var callers = Enum.GetValues<Caller>();
        var failures = new StringBuilder();
        var rows = AuthorisationMatrix.Rows.Where(r => !AuthorisationMatrix.EndSessions.Contains(r.Endpoint))
            .Concat(AuthorisationMatrix.Rows.Where(r => AuthorisationMatrix.EndSessions.Contains(r.Endpoint)));
        foreach (var caller in callers)
        {
            World[caller].Frozen = true;
        }

        var cells = 0;
        foreach (var row in rows)
        {
            var path = World.Fill(row.Path);
            foreach (var caller in callers)
            {
                var expected = row.Expected[(int)caller] is { RedirectTo: { } target } redirect ? redirect with { RedirectTo = World.Fill(target) } : row.Expected[(int)caller];
                using var request = new HttpRequestMessage(row.Method, path) { Content = row.Body?.Invoke() };
                if (row.Method != HttpMethod.Get && World[caller].AntiforgeryToken is { } token)
                {
                    // As the pages' scripts send it; refusals without a token are tested on their own.
                    request.Headers.Add("RequestVerificationToken", token);
                }

                using var response = await World[caller].SendAsync(request);
                var actual = Outcome.Of(response);
                cells++;
                if (actual != expected)
                {
                    failures.AppendLine($"{row.Method} {row.Path} as {caller}: expected {expected}, got {actual}");
                }
            }
        }

        Assert.True(failures.Length == 0, $"Cells that differ from the matrix ({cells} checked):\n{failures}");
    }

    [Fact]
    public async Task Every_static_asset_is_served_to_anyone()
    {
        // Files of the portal itself (styles, scripts, fonts): public by design and the same for every caller.
        var assets = StaticAssetRoutes();
        Assert.NotEmpty(assets);
        var failures = new List<string>();
        foreach (var route in assets)
        {
            using var response = await World[Caller.Anonymous].GetAsync(route);
            if (Outcome.Of(response) != Outcome.Ok)
            {
                failures.Add($"{route}: {Outcome.Of(response)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Every endpoint as <c>METHODS /pattern</c>, except static asset files (<see cref="Every_static_asset_is_served_to_anyone"/>).</summary>
    private HashSet<string> MappedEndpoints() =>
        Endpoints().Where(e => !IsStaticAsset(e)).Select(Key).ToHashSet(StringComparer.Ordinal);

    private List<string> StaticAssetRoutes() =>
        [.. Endpoints().Where(IsStaticAsset).Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).Distinct()];

    private IEnumerable<RouteEndpoint> Endpoints()
    {
        var endpoints = World.Portal.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        var notRouted = endpoints.Where(e => e is not RouteEndpoint).Select(e => e.DisplayName).ToList();
        Assert.True(notRouted.Count == 0, "Endpoints without a route pattern: " + string.Join(", ", notRouted));
        return endpoints.OfType<RouteEndpoint>();
    }

    private static string Key(RouteEndpoint endpoint) =>
        $"{string.Join(',', endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])} /{endpoint.RoutePattern.RawText?.TrimStart('/')}";

    private static bool IsStaticAsset(RouteEndpoint endpoint) =>
        endpoint.Metadata.Any(m => m.GetType().FullName == "Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor");
}
