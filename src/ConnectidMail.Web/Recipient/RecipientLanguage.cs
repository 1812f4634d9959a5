namespace ConnectidMail.Web.Recipient;

/// <summary>The recipient pages' language: Danish when the browser prefers it, else English.</summary>
internal static class RecipientLanguage
{
    public static string Of(HttpRequest request)
    {
        var preferred = request.GetTypedHeaders().AcceptLanguage
            .OrderByDescending(l => l.Quality ?? 1)
            .Select(l => l.Value.Value)
            .FirstOrDefault();
        return preferred is not null && preferred.StartsWith("da", StringComparison.OrdinalIgnoreCase) ? "da" : "en";
    }
}
