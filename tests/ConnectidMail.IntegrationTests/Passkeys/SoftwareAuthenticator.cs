using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Objects;

namespace ConnectidMail.IntegrationTests.Passkeys;

/// <summary>
/// A WebAuthn authenticator in software: a real P-256 key, real CBOR attestation ("none") and real ECDSA assertions over
/// the options the portal hands out, so the server's Fido2 checks run as they do for a browser. Its origin, relying-party
/// id and counter can be set wrong on purpose.
/// </summary>
internal sealed class SoftwareAuthenticator : IDisposable
{
    private const byte UserPresent = 0x01;
    private const byte UserVerified = 0x04;
    private const byte AttestedCredentialData = 0x40;

    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly byte[] credentialId = RandomNumberGenerator.GetBytes(16);
    private byte[] userHandle = [];

    public uint Counter { get; set; }

    public byte[] CredentialId => credentialId;

    /// <summary>Answers creation options (the JSON the portal gave) with a new credential.</summary>
    public AuthenticatorAttestationRawResponse Create(string creationOptionsJson, string origin)
    {
        using var options = JsonDocument.Parse(creationOptionsJson);
        var root = options.RootElement;
        var rpId = root.GetProperty("rp").GetProperty("id").GetString()!;
        userHandle = Base64Url(root.GetProperty("user").GetProperty("id").GetString()!);
        var clientData = ClientData("webauthn.create", root.GetProperty("challenge").GetString()!, origin);

        var parameters = key.ExportParameters(false);
        var cose = new CborWriter(CborConformanceMode.Ctap2Canonical);
        cose.WriteStartMap(5);
        cose.WriteInt32(1);
        cose.WriteInt32(2);
        cose.WriteInt32(3);
        cose.WriteInt32(-7);
        cose.WriteInt32(-1);
        cose.WriteInt32(1);
        cose.WriteInt32(-2);
        cose.WriteByteString(parameters.Q.X!);
        cose.WriteInt32(-3);
        cose.WriteByteString(parameters.Q.Y!);
        cose.WriteEndMap();

        var credentialIdLength = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(credentialIdLength, (ushort)credentialId.Length);
        byte[] authData = [.. AuthData(rpId, UserPresent | UserVerified | AttestedCredentialData), .. new byte[16], .. credentialIdLength, .. credentialId, .. cose.Encode()];

        var attestation = new CborWriter(CborConformanceMode.Ctap2Canonical);
        attestation.WriteStartMap(3);
        attestation.WriteTextString("fmt");
        attestation.WriteTextString("none");
        attestation.WriteTextString("attStmt");
        attestation.WriteStartMap(0);
        attestation.WriteEndMap();
        attestation.WriteTextString("authData");
        attestation.WriteByteString(authData);
        attestation.WriteEndMap();

        return new AuthenticatorAttestationRawResponse
        {
            Id = Base64Url(credentialId),
            RawId = credentialId,
            Type = PublicKeyCredentialType.PublicKey,
            Response = new AuthenticatorAttestationRawResponse.AttestationResponse
            {
                AttestationObject = attestation.Encode(),
                ClientDataJson = clientData,
                Transports = [AuthenticatorTransport.Internal],
            },
            ClientExtensionResults = new AuthenticationExtensionsClientOutputs(),
        };
    }

    /// <summary>Signs request options (the JSON the portal gave); the counter moves up by one unless set.</summary>
    public AuthenticatorAssertionRawResponse Sign(string requestOptionsJson, string origin, string? rpId = null)
    {
        using var options = JsonDocument.Parse(requestOptionsJson);
        var root = options.RootElement;
        var clientData = ClientData("webauthn.get", root.GetProperty("challenge").GetString()!, origin);
        Counter++;
        var authData = AuthData(rpId ?? root.GetProperty("rpId").GetString()!, UserPresent | UserVerified);
        byte[] signed = [.. authData, .. SHA256.HashData(clientData)];
        return new AuthenticatorAssertionRawResponse
        {
            Id = Base64Url(credentialId),
            RawId = credentialId,
            Type = PublicKeyCredentialType.PublicKey,
            Response = new AuthenticatorAssertionRawResponse.AssertionResponse
            {
                AuthenticatorData = authData,
                ClientDataJson = clientData,
                Signature = key.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
                UserHandle = userHandle,
            },
            ClientExtensionResults = new AuthenticationExtensionsClientOutputs(),
        };
    }

    public void Dispose() => key.Dispose();

    private byte[] AuthData(string rpId, byte flags)
    {
        var counter = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(counter, Counter);
        return [.. SHA256.HashData(Encoding.UTF8.GetBytes(rpId)), flags, .. counter];
    }

    private static byte[] ClientData(string type, string challenge, string origin) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["type"] = type, ["challenge"] = challenge, ["origin"] = origin, ["crossOrigin"] = false });

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static byte[] Base64Url(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
