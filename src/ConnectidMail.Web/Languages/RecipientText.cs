namespace ConnectidMail.Web.Languages;

/// <summary>
/// The recipient pages' texts: <c>RecipientText.resx</c> (English) and <c>RecipientText.da.resx</c> (Danish), read through
/// <c>IStringLocalizer&lt;RecipientText&gt;</c> in the request's culture.
/// </summary>
public sealed class RecipientText;
