namespace ConnectidMail.Web.Account;

/// <summary>What wwwroot-assets/js/passkeys.js posts back: the browser's credential as JSON, or why there is none.</summary>
public sealed class PasskeyInput
{
    public string? CredentialJson { get; set; }

    public string? Error { get; set; }
}
