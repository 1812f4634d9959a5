using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Messaging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Consent;

/// <summary>The consent text of the current version, in English or Danish (<c>Consent:Version</c>, <c>Consent:Texts:en</c>, <c>Consent:Texts:da</c>).</summary>
public sealed class ConsentOptions
{
    public const string Section = "Consent";

    /// <summary>Change it whenever the text changes: every recipient is then asked again.</summary>
    public string Version { get; set; } = "2026-11-27";

    /// <summary>Texts by language; "{organisation}" is replaced by the organisation's name. Empty: the built-in texts.</summary>
    public Dictionary<string, string> Texts { get; set; } = [];
}

public sealed record ConsentText(string Version, string Language, string Text, byte[] Hash);

public sealed class ConsentTexts(IOptions<ConsentOptions> options, IOptions<PortalOptions> portal)
{
    public const string DefaultEnglish =
        "I agree that {organisation} shows me, in this secure portal, the messages and files sent to my e-mail address, "
        + "and that it records when and how I verify my address, read messages, download files and reply (time, IP address "
        + "and browser) as evidence for the senders. These records are kept as long as the messages' audit trail. I can "
        + "withdraw this consent at any time on the portal's pages; I then no longer have access to the messages here.";

    public const string DefaultDanish =
        "Jeg accepterer, at {organisation} i denne sikre portal viser mig de beskeder og filer, der er sendt til min "
        + "e-mailadresse, og at det registreres, hvornår og hvordan jeg bekræfter min adresse, læser beskeder, henter filer "
        + "og svarer (tidspunkt, IP-adresse og browser), som dokumentation for afsenderne. Registreringerne gemmes, så længe "
        + "beskedernes revisionsspor gemmes. Jeg kan til enhver tid trække samtykket tilbage på portalens sider; så har jeg "
        + "ikke længere adgang til beskederne her.";

    /// <summary>The current text in <paramref name="language"/> ("da" gives Danish, anything else English).</summary>
    public ConsentText Current(string? language)
    {
        var lang = string.Equals(language, "da", StringComparison.OrdinalIgnoreCase) ? "da" : "en";
        var template = options.Value.Texts.TryGetValue(lang, out var configured) && !string.IsNullOrWhiteSpace(configured)
            ? configured
            : lang == "da" ? DefaultDanish : DefaultEnglish;
        var text = template.Replace("{organisation}", portal.Value.OrganisationName, StringComparison.Ordinal);
        return new ConsentText(options.Value.Version, lang, text, SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
