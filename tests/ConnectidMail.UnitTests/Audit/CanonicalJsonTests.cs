using ConnectidMail.Audit;

namespace ConnectidMail.UnitTests.Audit;

/// <summary>The canonical form audit hashes are taken over, checked against the examples of RFC 8785.</summary>
public sealed class CanonicalJsonTests
{
    [Fact]
    public void Rfc8785_section_3_2_2_example_gives_the_rfcs_output()
    {
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;

        Assert.Equal(
            """{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""",
            CanonicalJson.Canonicalize(input));
    }

    [Fact]
    public void Rfc8785_section_3_2_3_members_are_sorted_by_utf16_code_units()
    {
        const string input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """;

        Assert.Equal(
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\","
            + "\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
            CanonicalJson.Canonicalize(input));
    }

    [Fact]
    public void Nested_objects_are_sorted_and_whitespace_removed()
    {
        Assert.Equal(
            """{"a":{"x":[1,{"m":true,"n":null}],"y":"z"},"b":[]}""",
            CanonicalJson.Canonicalize("""{ "b": [ ], "a": { "y": "z", "x": [ 1.0, { "n": null, "m": true } ] } }"""));
    }

    // RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
    [Theory]
    [InlineData(0x0000000000000000UL, "0")]
    [InlineData(0x8000000000000000UL, "0")]
    [InlineData(0x0000000000000001UL, "5e-324")]
    [InlineData(0x8000000000000001UL, "-5e-324")]
    [InlineData(0x7fefffffffffffffUL, "1.7976931348623157e+308")]
    [InlineData(0xffefffffffffffffUL, "-1.7976931348623157e+308")]
    [InlineData(0x4340000000000000UL, "9007199254740992")]
    [InlineData(0xc340000000000000UL, "-9007199254740992")]
    [InlineData(0x4430000000000000UL, "295147905179352830000")]
    [InlineData(0x44b52d02c7e14af5UL, "9.999999999999997e+22")]
    [InlineData(0x44b52d02c7e14af6UL, "1e+23")]
    [InlineData(0x44b52d02c7e14af7UL, "1.0000000000000001e+23")]
    [InlineData(0x444b1ae4d6e2ef4eUL, "999999999999999700000")]
    [InlineData(0x444b1ae4d6e2ef4fUL, "999999999999999900000")]
    [InlineData(0x444b1ae4d6e2ef50UL, "1e+21")]
    [InlineData(0x3eb0c6f7a0b5ed8cUL, "9.999999999999997e-7")]
    [InlineData(0x3eb0c6f7a0b5ed8dUL, "0.000001")]
    [InlineData(0x41b3de4355555553UL, "333333333.3333332")]
    [InlineData(0x41b3de4355555554UL, "333333333.33333325")]
    [InlineData(0x41b3de4355555555UL, "333333333.3333333")]
    [InlineData(0x41b3de4355555556UL, "333333333.3333334")]
    [InlineData(0x41b3de4355555557UL, "333333333.33333343")]
    [InlineData(0xbecbf647612f3696UL, "-0.0000033333333333333333")]
    [InlineData(0x43143ff3c1cb0959UL, "1424953923781206.2")]
    public void Rfc8785_appendix_b_numbers(ulong bits, string expected) =>
        Assert.Equal(expected, CanonicalJson.FormatNumber(BitConverter.UInt64BitsToDouble(bits)));

    [Theory]
    [InlineData(0x7fffffffffffffffUL)]
    [InlineData(0x7ff0000000000000UL)]
    public void Rfc8785_appendix_b_nan_and_infinity_are_refused(ulong bits) =>
        Assert.Throws<FormatException>(() => CanonicalJson.FormatNumber(BitConverter.UInt64BitsToDouble(bits)));

    [Fact]
    public void Duplicate_member_names_and_lone_surrogates_are_refused()
    {
        Assert.Throws<FormatException>(() => CanonicalJson.Canonicalize("""{"a":1,"a":2}"""));
        // RFC 8785 forbids lone surrogates; System.Text.Json already refuses to read one as a string.
        Assert.Throws<InvalidOperationException>(() => CanonicalJson.Canonicalize("""{"a":"\ud800"}"""));
    }

    [Fact]
    public void An_events_hash_changes_with_any_field_and_its_time_keeps_microseconds()
    {
        var e = new AuditEvent { Id = Guid.Parse("0b4e1c52-2f0e-4a53-9d0e-3f5a1c2b7d11"), ActorDisplay = "a@example.org", Action = AuditActions.MessageSent };
        e.Sequence = 7;
        e.At = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero).AddTicks(1234560);
        e.PreviousHash = AuditEvent.GenesisHash;

        var form = AuditHashing.CanonicalForm(e);
        Assert.Equal(
            """{"action":"message.sent","actor":{"display":"a@example.org","id":null,"kind":"staff"},"at":"2026-11-27T12:00:00.123456Z","attachmentId":null,"detail":null,"id":"0b4e1c52-2f0e-4a53-9d0e-3f5a1c2b7d11","ipAddress":null,"messageId":null,"previousHash":"0000000000000000000000000000000000000000000000000000000000000000","recipientId":null,"sequence":7,"subjectId":null,"userAgent":null}""",
            form);
        var hash = AuditHashing.ComputeHash(e);
        Assert.Matches("^[0-9a-f]{64}$", hash);
        e.Sequence = 8;
        Assert.NotEqual(hash, AuditHashing.ComputeHash(e));
    }

    public static TheoryData<string, string?, string?> Awkward_strings() => new()
    {
        { "plain@example.org", null, null },
        { "Ærø Øster <å@example.dk>", "203.0.113.7", """{"b":[1,2.5,1e+30],"a":"x"}""" },
        { "quote \" back\\slash \t tab \n line \u0001 control \u007f del", "::1", """{ "z" : { "y": null, "x": true }, "a": [] }""" },
        { "emoji 😀 and </script> & ' < > \u2028 \u2029 \ufeff", "10.0.0.1", """{"n":-0,"m":0.000001,"k":123456789012345678}""" },
    };

    /// <summary>The form is written member by member; it must give exactly the bytes of canonicalizing the event as a JSON tree.</summary>
    [Theory]
    [MemberData(nameof(Awkward_strings))]
    public void An_events_form_is_the_canonicalization_of_its_json_tree(string text, string? ip, string? detail)
    {
        foreach (var kind in Enum.GetValues<AuditActorKind>())
        {
            var e = new AuditEvent
            {
                Id = Guid.NewGuid(),
                ActorKind = kind,
                ActorId = kind == AuditActorKind.System ? null : text,
                ActorDisplay = text,
                Action = "action." + text,
                MessageId = kind == AuditActorKind.Staff ? null : Guid.NewGuid(),
                RecipientId = Guid.NewGuid(),
                AttachmentId = kind == AuditActorKind.Recipient ? Guid.NewGuid() : null,
                SubjectId = ip is null ? null : text,
                IpAddress = ip,
                UserAgent = text + " Mozilla/5.0",
                Detail = detail,
            };
            e.Sequence = 9_007_199_254_740_000 + (int)kind;
            e.At = new DateTimeOffset(2026, 11, 27, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_990);
            e.PreviousHash = AuditEvent.GenesisHash;

            Assert.Equal(AuditHashing.DefiningForm(e), AuditHashing.CanonicalForm(e));
        }
    }

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character_as_in_the_json_tree()
    {
        var e = new AuditEvent { ActorDisplay = "broken \ud800 text \udc00 and a pair 😀", Action = AuditActions.MessageSent };
        Assert.Equal(AuditHashing.DefiningForm(e), AuditHashing.CanonicalForm(e));
        Assert.Contains("broken \ufffd text \ufffd and a pair 😀", AuditHashing.CanonicalForm(e), StringComparison.Ordinal);
    }
}
