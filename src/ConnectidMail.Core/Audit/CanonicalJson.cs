using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ConnectidMail.Audit;

/// <summary>
/// The JSON Canonicalization Scheme (RFC 8785): members sorted by their names' UTF-16 code units, no whitespace,
/// strings escaped as ECMAScript's JSON.stringify does, numbers as IEEE 754 doubles in ECMAScript's shortest form.
/// Audit hashes are taken over this form, so anyone with an RFC 8785 library can recompute them.
/// </summary>
public static class CanonicalJson
{
    public static string Canonicalize(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Canonicalize(document.RootElement);
    }

    public static string Canonicalize(JsonElement element)
    {
        var output = new StringBuilder();
        Write(element, output);
        return output.ToString();
    }

    private static void Write(JsonElement element, StringBuilder output)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(element, output);
                break;
            case JsonValueKind.Array:
                output.Append('[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Append(',');
                    }

                    first = false;
                    Write(item, output);
                }

                output.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(element.GetString()!, output);
                break;
            case JsonValueKind.Number:
                output.Append(FormatNumber(element.GetDouble()));
                break;
            case JsonValueKind.True:
                output.Append("true");
                break;
            case JsonValueKind.False:
                output.Append("false");
                break;
            case JsonValueKind.Null:
                output.Append("null");
                break;
            default:
                throw new FormatException($"A JSON value of kind {element.ValueKind} cannot be canonicalized.");
        }
    }

    private static void WriteObject(JsonElement element, StringBuilder output)
    {
        var members = element.EnumerateObject().ToList();
        members.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        output.Append('{');
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                if (members[i].Name == members[i - 1].Name)
                {
                    throw new FormatException($"The JSON object has the member '{members[i].Name}' twice.");
                }

                output.Append(',');
            }

            WriteString(members[i].Name, output);
            output.Append(':');
            Write(members[i].Value, output);
        }

        output.Append('}');
    }

    /// <summary>A JSON string as RFC 8785 writes it (JSON.stringify's escapes).</summary>
    internal static void WriteString(string value, StringBuilder output)
    {
        output.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    output.Append("\\\"");
                    break;
                case '\\':
                    output.Append("\\\\");
                    break;
                case '\b':
                    output.Append("\\b");
                    break;
                case '\f':
                    output.Append("\\f");
                    break;
                case '\n':
                    output.Append("\\n");
                    break;
                case '\r':
                    output.Append("\\r");
                    break;
                case '\t':
                    output.Append("\\t");
                    break;
                case < ' ':
                    output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                case >= '\ud800' and <= '\udbff' when i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]):
                    output.Append(c).Append(value[++i]);
                    break;
                case >= '\ud800' and <= '\udfff':
                    // A lone surrogate is not text; System.Text.Json writes it as U+FFFD, and so does this.
                    output.Append('\ufffd');
                    break;
                default:
                    output.Append(c);
                    break;
            }
        }

        output.Append('"');
    }

    /// <summary>ECMAScript's Number.prototype.toString for finite doubles (ECMA-262, 7.1.12.1), which RFC 8785 requires.</summary>
    public static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new FormatException("NaN and infinities have no JSON form.");
        }

        if (value == 0)
        {
            return "0"; // negative zero too
        }

        // .NET's round-trip form holds the shortest digits that read back as the same double, as ECMAScript's does.
        var (digits, exponent) = DigitsAndExponent(Math.Abs(value).ToString("R", CultureInfo.InvariantCulture));
        var n = exponent + 1; // the decimal point's place relative to the first digit
        var k = digits.Length;
        var result = new StringBuilder(value < 0 ? "-" : "");
        if (k <= n && n <= 21)
        {
            result.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            result.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            result.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            result.Append(digits[0]);
            if (k > 1)
            {
                result.Append('.').Append(digits, 1, k - 1);
            }

            result.Append('e').Append(n - 1 < 0 ? '-' : '+').Append(Math.Abs(n - 1).ToString(CultureInfo.InvariantCulture));
        }

        return result.ToString();
    }

    /// <summary>Splits a positive number's text ("123.45", "1E+30", "1.5E-07") into significant digits and the first digit's power of ten.</summary>
    private static (string Digits, int Exponent) DigitsAndExponent(string text)
    {
        var exponentAt = text.IndexOfAny(['E', 'e']);
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(text[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.');
        var integerDigits = point < 0 ? mantissa.Length : point;
        var allDigits = mantissa.Replace(".", "", StringComparison.Ordinal);
        var leadingZeros = allDigits.Length - allDigits.TrimStart('0').Length;
        var digits = allDigits.Trim('0');
        return (digits, exponent + integerDigits - 1 - leadingZeros);
    }
}
