namespace ConnectidMail.IntegrationTests;

public sealed class FramingTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/not-found")]
    public async Task Pages_may_not_be_framed_by_any_site(string path)
    {
        using var client = fixture.Portal.CreateClient();
        using var response = await client.GetAsync(path);

        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("frame-ancestors 'self'", policy, StringComparison.Ordinal);
    }
}
