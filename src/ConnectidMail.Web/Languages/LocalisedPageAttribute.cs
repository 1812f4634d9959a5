namespace ConnectidMail.Web.Languages;

/// <summary>
/// Marks a page that speaks the recipient's language: <c>&lt;html lang&gt;</c> follows the request's culture. Pages
/// without it (sender, auditor and admin pages) are English and say so.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class LocalisedPageAttribute : Attribute;
