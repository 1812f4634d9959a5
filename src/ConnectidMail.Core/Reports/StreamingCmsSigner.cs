using System.Buffers;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PdfSharp.Pdf.Signatures;

namespace ConnectidMail.Reports;

/// <summary>
/// Signs a report as PDFsharp's default signer does (a detached CMS signature, <c>adbe.pkcs7.detached</c>), but hashes
/// the signed byte ranges as a stream: the default reads the whole file into one array, tens of MiB for a long trail.
/// The CMS (RFC 5652) carries signed attributes (content type, signing time, message digest), so the ECDSA signature is
/// over those attributes and the digest ties them to the file; any CMS verifier checks it (our reader uses SignedCms).
/// </summary>
internal sealed class StreamingCmsSigner(X509Certificate2 certificate, DateTimeOffset signingTime) : IDigitalSigner
{
    private const string Data = "1.2.840.113549.1.7.1";
    private const string SignedData = "1.2.840.113549.1.7.2";
    private const string ContentTypeAttribute = "1.2.840.113549.1.9.3";
    private const string MessageDigestAttribute = "1.2.840.113549.1.9.4";
    private const string SigningTimeAttribute = "1.2.840.113549.1.9.5";
    private const string Sha256 = "2.16.840.1.101.3.4.2.1";
    private const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";

    // A DER ECDSA signature's length varies by a few bytes with its integers' leading bits.
    private const int SignatureLengthVariation = 8;

    public string CertificateName => certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

    public Task<int> GetSignatureSizeAsync() => Task.FromResult(Encode(new byte[SHA256.HashSizeInBytes]).Length + SignatureLengthVariation);

    public async Task<byte[]> GetSignatureAsync(Stream stream)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            stream.Position = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, 81920))) > 0)
            {
                sha256.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Encode(sha256.GetHashAndReset());
    }

    private byte[] Encode(byte[] digest)
    {
        var attributes = new AsnWriter(AsnEncodingRules.DER);
        using (attributes.PushSetOf())
        {
            WriteAttribute(attributes, ContentTypeAttribute, w => w.WriteObjectIdentifier(Data));
            // RFC 5652: UTCTime up to 2049, GeneralizedTime from 2050.
            WriteAttribute(attributes, SigningTimeAttribute, w =>
            {
                if (signingTime.UtcDateTime.Year < 2050)
                {
                    w.WriteUtcTime(signingTime);
                }
                else
                {
                    w.WriteGeneralizedTime(signingTime, omitFractionalSeconds: true);
                }
            });
            WriteAttribute(attributes, MessageDigestAttribute, w => w.WriteOctetString(digest));
        }

        // What is signed is the attributes' DER as a SET OF; in the SignerInfo they are [0] IMPLICIT (same bytes, other tag).
        var signedAttributes = attributes.Encode();
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The report signing certificate has no ECDSA private key.");
        var signature = key.SignData(signedAttributes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var implicitAttributes = (byte[])signedAttributes.Clone();
        implicitAttributes[0] = 0xA0;

        var cms = new AsnWriter(AsnEncodingRules.DER);
        using (cms.PushSequence())
        {
            cms.WriteObjectIdentifier(SignedData);
            using (cms.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            using (cms.PushSequence())
            {
                cms.WriteInteger(1);
                using (cms.PushSetOf())
                {
                    WriteAlgorithm(cms, Sha256);
                }

                using (cms.PushSequence())
                {
                    cms.WriteObjectIdentifier(Data);
                }

                using (cms.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                {
                    cms.WriteEncodedValue(certificate.RawData);
                }

                using (cms.PushSetOf())
                using (cms.PushSequence())
                {
                    cms.WriteInteger(1);
                    using (cms.PushSequence())
                    {
                        cms.WriteEncodedValue(certificate.IssuerName.RawData);
                        cms.WriteInteger(certificate.SerialNumberBytes.Span);
                    }

                    WriteAlgorithm(cms, Sha256);
                    cms.WriteEncodedValue(implicitAttributes);
                    WriteAlgorithm(cms, EcdsaWithSha256);
                    cms.WriteOctetString(signature);
                }
            }
        }

        return cms.Encode();
    }

    private static void WriteAttribute(AsnWriter writer, string type, Action<AsnWriter> writeValue)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(type);
            using (writer.PushSetOf())
            {
                writeValue(writer);
            }
        }
    }

    private static void WriteAlgorithm(AsnWriter writer, string algorithm)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(algorithm);
        }
    }
}
