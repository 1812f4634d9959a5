using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Pdf.IO;

namespace ConnectidMail.Reports;

/// <summary>Reads back what <see cref="EvidencePdf"/> put into a report: the attached evidence and the file's signature.</summary>
public static partial class EvidencePdfReader
{
    /// <summary>The files attached to the document (name → bytes).</summary>
    public static IReadOnlyDictionary<string, byte[]> ReadAttachments(Stream pdf)
    {
        using var document = PdfReader.Open(pdf, PdfDocumentOpenMode.Import);
        var attachments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var names = document.Internals.Catalog.Elements.GetDictionary("/Names")?.Elements.GetDictionary("/EmbeddedFiles")?.Elements.GetArray("/Names");
        if (names is null)
        {
            return attachments;
        }

        for (var index = 0; index + 1 < names.Elements.Count; index += 2)
        {
            var name = names.Elements.GetString(index);
            var file = names.Elements.GetDictionary(index + 1)?.Elements.GetDictionary("/EF")?.Elements.GetDictionary("/F");
            if (file?.Stream is { } stream)
            {
                attachments[name] = stream.UnfilteredValue;
            }
        }

        return attachments;
    }

    /// <summary>
    /// Checks the document's signature: the CMS signature must verify over exactly the bytes its byte range names, and that
    /// range must cover the whole file except the signature itself (so nothing was appended or changed after signing).
    /// </summary>
    public static PdfSignatureCheck CheckSignature(ReadOnlySpan<byte> pdf)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var ranges = ByteRangePattern().Matches(text);
        if (ranges.Count == 0)
        {
            return new PdfSignatureCheck(false, false, null, "The PDF is not signed.");
        }

        if (ranges.Count > 1)
        {
            return new PdfSignatureCheck(true, false, null, "The PDF has more than one signature; a report has exactly one.");
        }

        var range = ranges[0].Groups;
        var (start1, length1, start2, length2) = (long.Parse(range[1].Value), long.Parse(range[2].Value), long.Parse(range[3].Value), long.Parse(range[4].Value));
        if (start1 != 0 || start2 < length1 + 2 || start2 + length2 != pdf.Length || pdf[(int)length1] != '<' || pdf[(int)start2 - 1] != '>')
        {
            return new PdfSignatureCheck(true, false, null, "The signature does not cover the whole file: it was changed or extended after signing.");
        }

        var signature = Convert.FromHexString(text[((int)length1 + 1)..((int)start2 - 1)]);
        var signed = new byte[length1 + length2];
        pdf[..(int)length1].CopyTo(signed);
        pdf.Slice((int)start2, (int)length2).CopyTo(signed.AsSpan((int)length1));
        try
        {
            // The placeholder is padded with zeros after the DER value.
            AsnDecoder.ReadEncodedValue(signature, AsnEncodingRules.BER, out _, out _, out var used);
            var cms = new SignedCms(new ContentInfo(signed), detached: true);
            cms.Decode(signature.AsSpan(0, used));
            cms.CheckSignature(verifySignatureOnly: true);
            return new PdfSignatureCheck(true, true, cms.SignerInfos[0].Certificate, "The signature is valid and covers the whole file.");
        }
        catch (CryptographicException)
        {
            return new PdfSignatureCheck(true, false, null, "The signature does not match the file: it was changed after signing.");
        }
        catch (AsnContentException)
        {
            return new PdfSignatureCheck(true, false, null, "The signature is malformed.");
        }
    }

    [GeneratedRegex(@"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")]
    private static partial Regex ByteRangePattern();
}

/// <param name="Signed">Whether the PDF carries a signature at all.</param>
/// <param name="Valid">Whether it verifies and covers the whole file.</param>
/// <param name="Signer">The signing certificate (its public key is the audit key) when valid.</param>
public sealed record PdfSignatureCheck(bool Signed, bool Valid, X509Certificate2? Signer, string Explanation);
