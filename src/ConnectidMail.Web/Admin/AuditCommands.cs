using System.Text.Json;
using ConnectidMail.Audit;

namespace ConnectidMail.Web.Admin;

internal static class AuditCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Prints the verification as the API gives it; what is wrong, if anything, also goes to standard error.</summary>
    public static async Task<int> VerifyAsync(IServiceProvider services, ConsoleStreams console)
    {
        var result = await services.GetRequiredService<AuditVerifier>().VerifyWithCheckpointsAsync();
        console.Out.WriteLine(JsonSerializer.Serialize(result, Json));
        if (result.Valid)
        {
            return AdminCli.Ok;
        }

        console.Error.WriteLine($"error: the audit trail is not intact: {result.Problem}");
        return AdminCli.Failed;
    }

    /// <summary>Rotates the checkpoint signing key; the new fingerprint goes to standard output for the admin to keep.</summary>
    public static async Task<int> RotateKeyAsync(IServiceProvider services, ConsoleStreams console)
    {
        var rotation = await services.GetRequiredService<AuditCheckpoints>().RotateKeyAsync(AuditActor.CommandLine);
        console.Out.WriteLine(
            $"Retired audit signing key {rotation.Retired.KeyId}; checkpoints are now signed with key {rotation.Current.KeyId}, fingerprint {rotation.Current.Fingerprint}.");
        return AdminCli.Ok;
    }
}
