using System.Security.Cryptography;
using ConnectidMail.Messaging;

namespace ConnectidMail.UnitTests.Messaging;

public sealed class LinkTokenTests
{
    [Fact]
    public void A_created_token_is_43_base64url_characters_whose_hash_is_the_stored_hash()
    {
        var (token, hash) = LinkToken.Create();

        Assert.Equal(LinkToken.TextLength, token.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
        Assert.Equal(32, hash.Length);
        Assert.Equal(hash, LinkToken.TryHash(token));
        Assert.Equal(SHA256.HashData(System.Buffers.Text.Base64Url.DecodeFromChars(token)), hash);
    }

    [Fact]
    public void Tokens_are_random()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => LinkToken.Create().Token).ToHashSet();

        Assert.Equal(1000, tokens.Count);
    }

    [Fact]
    public void A_changed_character_gives_another_hash()
    {
        var (token, hash) = LinkToken.Create();
        var altered = (token[0] == 'A' ? 'B' : 'A') + token[1..];

        Assert.NotEqual(hash, LinkToken.TryHash(altered));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 42
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 44
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // padding
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")] // base64, not base64url
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA A")]
    [InlineData("ÆAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void A_malformed_token_has_no_hash(string? token) => Assert.Null(LinkToken.TryHash(token));
}
