using ConnectidMail.Audit;

namespace ConnectidMail.Web.Audit;

/// <summary>The address and browser of the HTTP request being handled; none outside a request (e.g. in a Blazor circuit's later events).</summary>
internal sealed class HttpAuditRequestOrigin(IHttpContextAccessor accessor) : IAuditRequestOrigin
{
    public string? IpAddress => accessor.HttpContext?.Connection.RemoteIpAddress?.ToString();

    public string? UserAgent => accessor.HttpContext?.Request.Headers.UserAgent.ToString() is { Length: > 0 } userAgent ? userAgent : null;
}
