namespace ConnectidMail.Web.Branding;

/// <summary>The marker for the branding, help and access-log texts of the recipient pages (<c>BrandText.resx</c>, <c>BrandText.da.resx</c>).</summary>
public sealed class BrandText;
