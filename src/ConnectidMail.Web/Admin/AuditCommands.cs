using System.Text.Json;
using ConnectidMail.Audit;

namespace ConnectidMail.Web.Admin;

internal static class AuditCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Prints the verification as the API gives it; what is wrong, if anything, also goes to standard error.</summary>
    public static async Task<int> VerifyAsync(IServiceProvider services, ConsoleStreams console)
    {
        var result = await services.GetRequiredService<AuditVerifier>().VerifyAsync([]);
        console.Out.WriteLine(JsonSerializer.Serialize(result, Json));
        if (result.Valid)
        {
            return AdminCli.Ok;
        }

        console.Error.WriteLine($"error: the audit trail is not intact: {result.Problem}");
        return AdminCli.Failed;
    }
}
