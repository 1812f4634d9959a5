using ConnectidMail.Scanning;

namespace ConnectidMail.UnitTests.Uploads;

public sealed class ClamAvReplyTests
{
    [Fact]
    public void OK_is_clean() => Assert.Equal(ScanResult.Clean, ClamAvScan.Parse("stream: OK"));

    [Theory]
    [InlineData("stream: Eicar-Signature FOUND", "Eicar-Signature")]
    [InlineData("stream: Win.Test.EICAR_HDB-1 FOUND", "Win.Test.EICAR_HDB-1")]
    [InlineData("stream: Odd\u001b[2JName FOUND", "Odd[2JName")]
    public void FOUND_is_infected_with_the_signature_name(string reply, string signature)
    {
        var result = ClamAvScan.Parse(reply);

        Assert.Equal(ScanVerdict.Infected, result.Verdict);
        Assert.Equal(signature, result.Signature);
    }

    [Fact]
    public void The_stream_size_limit_is_a_failure_for_size()
    {
        var result = ClamAvScan.Parse("INSTREAM size limit exceeded. ERROR");

        Assert.Equal(ScanVerdict.Failed, result.Verdict);
        Assert.True(result.TooLarge);
    }

    [Theory]
    [InlineData("")]
    [InlineData("UNKNOWN COMMAND")]
    [InlineData("stream: Can't allocate memory ERROR")]
    [InlineData("stream: OKAY")]
    public void Anything_else_is_a_failure(string reply)
    {
        var result = ClamAvScan.Parse(reply);

        Assert.Equal(ScanVerdict.Failed, result.Verdict);
        Assert.False(result.TooLarge);
    }

    [Theory]
    [InlineData(0, 30)]
    [InlineData(70000, 30)]
    [InlineData(3310, 0)]
    [InlineData(3310, 3601)]
    public void Out_of_range_settings_fail_validation(int port, int timeout)
    {
        var options = new ScanningOptions { ClamAv = new ClamAvOptions { Host = "clamd", Port = port, TimeoutSeconds = timeout } };

        Assert.True(new ScanningOptionsValidator().Validate(null, options).Failed);
    }

    [Fact]
    public void The_defaults_are_valid_and_scanning_is_off()
    {
        var options = new ScanningOptions();

        Assert.True(new ScanningOptionsValidator().Validate(null, options).Succeeded);
        Assert.False(options.ClamAv.Enabled);
        Assert.Equal(3310, options.ClamAv.Port);
    }
}
