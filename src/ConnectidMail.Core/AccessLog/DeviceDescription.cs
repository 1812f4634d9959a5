using System.Net;
using System.Net.Sockets;

namespace ConnectidMail.AccessLog;

/// <summary>What a recipient may see of where an access came from: browser and system, and the network without the host.</summary>
public static class DeviceDescription
{
    /// <summary>The browser's and the system's names (null when not recognised); the full user agent is never shown.</summary>
    public static (string? Browser, string? System) FromUserAgent(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return (null, null);
        }

        var browser = Has(userAgent, "Edg/") ? "Edge"
            : Has(userAgent, "OPR/") ? "Opera"
            : Has(userAgent, "SamsungBrowser/") ? "Samsung Internet"
            : Has(userAgent, "Firefox/") || Has(userAgent, "FxiOS/") ? "Firefox"
            : Has(userAgent, "Chrome/") || Has(userAgent, "CriOS/") ? "Chrome"
            : Has(userAgent, "Safari/") && Has(userAgent, "Version/") ? "Safari"
            : null;
        var system = Has(userAgent, "Windows") ? "Windows"
            : Has(userAgent, "Android") ? "Android"
            : Has(userAgent, "iPhone") ? "iPhone"
            : Has(userAgent, "iPad") ? "iPad"
            : Has(userAgent, "CrOS") ? "ChromeOS"
            : Has(userAgent, "Mac OS X") || Has(userAgent, "Macintosh") ? "macOS"
            : Has(userAgent, "Linux") ? "Linux"
            : null;
        return (browser, system);
    }

    /// <summary>The network part only: 203.0.113.x, or the first three groups of an IPv6 address.</summary>
    public static string? MaskIp(string? ip)
    {
        if (ip is null || !IPAddress.TryParse(ip, out var address))
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var bytes = address.GetAddressBytes();
            return $"{bytes[0]}.{bytes[1]}.{bytes[2]}.x";
        }

        var groups = address.GetAddressBytes().Chunk(2).Take(3).Select(pair => ((pair[0] << 8) | pair[1]).ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        return string.Join(':', groups) + ":…";
    }

    private static bool Has(string userAgent, string part) => userAgent.Contains(part, StringComparison.Ordinal);
}
