using ConnectidMail.AccessLog;

namespace ConnectidMail.UnitTests.AccessLog;

public sealed class DeviceDescriptionTests
{
    [Theory]
    [InlineData("203.0.113.77", "203.0.113.x")]
    [InlineData("::ffff:198.51.100.9", "198.51.100.x")]
    [InlineData("2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3:…")]
    [InlineData("not an address", null)]
    [InlineData(null, null)]
    public void Networks_are_shown_without_their_host_part(string? ip, string? masked) => Assert.Equal(masked, DeviceDescription.MaskIp(ip));

    [Theory]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "Safari", "iPhone")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge", "Windows")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome", "Android")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox", "macOS")]
    [InlineData("curl/8.5.0", null, null)]
    [InlineData(null, null, null)]
    public void Devices_are_named_by_browser_and_system_only(string? userAgent, string? browser, string? system) =>
        Assert.Equal((browser, system), DeviceDescription.FromUserAgent(userAgent));
}
