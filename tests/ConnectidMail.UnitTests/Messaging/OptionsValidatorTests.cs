using ConnectidMail.Messaging;

namespace ConnectidMail.UnitTests.Messaging;

public sealed class OptionsValidatorTests
{
    [Fact]
    public void The_default_policy_is_valid_and_matches_the_documented_defaults()
    {
        var policy = new PolicyOptions();

        Assert.True(new PolicyOptionsValidator().Validate(null, policy).Succeeded);
        Assert.Equal(
            (50, 104857600L, 262144000L, 20, 30, 365, false),
            (policy.MaxRecipients, policy.MaxFileBytes, policy.MaxMessageBytes, policy.MaxFiles, policy.DefaultExpiryDays, policy.MaxExpiryDays, policy.SubjectInNotification));
    }

    [Fact]
    public void Zero_files_may_be_allowed()
    {
        Assert.True(new PolicyOptionsValidator().Validate(null, new PolicyOptions { MaxFiles = 0 }).Succeeded);
    }

    [Theory]
    [InlineData("MaxRecipients", 0, "Policy:MaxRecipients")]
    [InlineData("MaxRecipients", -1, "Policy:MaxRecipients")]
    [InlineData("MaxFiles", -1, "Policy:MaxFiles")]
    [InlineData("MaxFileBytes", 0, "Policy:MaxFileBytes")]
    [InlineData("MaxMessageBytes", 0, "Policy:MaxMessageBytes")]
    [InlineData("DefaultExpiryDays", 0, "Policy:DefaultExpiryDays")]
    [InlineData("MaxExpiryDays", 0, "Policy:MaxExpiryDays")]
    [InlineData("DefaultExpiryDays", 366, "Policy:DefaultExpiryDays")]
    [InlineData("MaxExpiryDays", 29, "Policy:MaxExpiryDays")]
    public void A_bad_limit_fails_naming_its_setting(string property, long value, string setting)
    {
        var policy = new PolicyOptions();
        var info = typeof(PolicyOptions).GetProperty(property)!;
        info.SetValue(policy, Convert.ChangeType(value, info.PropertyType, System.Globalization.CultureInfo.InvariantCulture));

        var result = new PolicyOptionsValidator().Validate(null, policy);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains(setting, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_bad_limit_is_reported_at_once()
    {
        var result = new PolicyOptionsValidator().Validate(null, new PolicyOptions { MaxRecipients = 0, MaxFiles = -1, MaxFileBytes = 0, MaxExpiryDays = 0 });

        Assert.Equal(4, result.Failures!.Count());
    }

    [Fact]
    public void The_upload_request_limit_follows_the_policy()
    {
        var small = new PolicyOptions { MaxMessageBytes = 1000, MaxFiles = 2 };
        var large = new PolicyOptions { MaxMessageBytes = 10L * 1024 * 1024 * 1024, MaxFiles = 2 };

        Assert.True(small.MaxUploadRequestBytes > small.MaxMessageBytes);
        Assert.True(large.MaxUploadRequestBytes > large.MaxMessageBytes);
        Assert.Equal(large.MaxMessageBytes - small.MaxMessageBytes, large.MaxUploadRequestBytes - small.MaxUploadRequestBytes);
    }

    [Theory]
    [InlineData("http://localhost:5080")]
    [InlineData("https://mail.example.com")]
    [InlineData("https://example.com/portal/")]
    public void A_good_portal_address_is_valid(string url)
    {
        Assert.True(new PortalOptionsValidator().Validate(null, new PortalOptions { PublicBaseUrl = url }).Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("mail.example.com")]
    [InlineData("/relative")]
    [InlineData("ftp://example.com")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://example.com/?a=b")]
    [InlineData("https://example.com/#top")]
    [InlineData("https://user:pass@example.com/")]
    public void A_bad_portal_address_fails_naming_the_setting(string url)
    {
        var result = new PortalOptionsValidator().Validate(null, new PortalOptions { PublicBaseUrl = url });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Portal:PublicBaseUrl", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Evil\r\nBcc: everyone@example.com")]
    [InlineData("Two\nlines")]
    public void A_bad_organisation_name_fails(string name)
    {
        var result = new PortalOptionsValidator().Validate(null, new PortalOptions { OrganisationName = name });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Portal:OrganisationName", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://example.com", "https://example.com/")]
    [InlineData("https://example.com/", "https://example.com/")]
    [InlineData("https://example.com/portal", "https://example.com/portal/")]
    [InlineData("https://example.com/portal//", "https://example.com/portal/")]
    public void The_base_address_always_ends_in_one_slash(string url, string expected)
    {
        Assert.Equal(expected, new PortalOptions { PublicBaseUrl = url }.BaseUri.AbsoluteUri);
    }
}
