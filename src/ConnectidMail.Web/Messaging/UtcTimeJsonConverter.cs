using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConnectidMail.Web.Messaging;

/// <summary>Times in the API are ISO 8601 UTC with a 'Z' ("2026-11-27T10:42:00.123Z"); input in any offset is read as that instant.</summary>
internal sealed class UtcTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset().ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
}
