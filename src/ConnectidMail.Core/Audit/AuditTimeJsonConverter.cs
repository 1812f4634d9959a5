using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConnectidMail.Audit;

/// <summary>Writes a time as the audit trail does everywhere (<see cref="AuditHashing.TimeFormat"/>) and reads any ISO 8601 time back as UTC.</summary>
public sealed class AuditTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString() ?? throw new JsonException("A time is a string."), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(AuditHashing.FormatTime(value));
}

/// <summary><see cref="AuditTimeJsonConverter"/> for a time that may be missing (null).</summary>
public sealed class NullableAuditTimeJsonConverter : JsonConverter<DateTimeOffset?>
{
    private static readonly AuditTimeJsonConverter Time = new();

    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : Time.Read(ref reader, typeof(DateTimeOffset), options);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } time)
        {
            Time.Write(writer, time, options);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
