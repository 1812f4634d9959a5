using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Languages;

/// <summary>
/// The language of mails that no page request causes (notifications, answer notices): the language of the consent text
/// the address last agreed to, which it chose in the portal; else <c>Languages:Default</c>.
/// </summary>
public sealed class RecipientLanguages(ConnectidDbContext db, IOptions<LanguageOptions> options)
{
    /// <summary>Each address's language, keyed by the address as given.</summary>
    public async Task<IReadOnlyDictionary<string, RecipientLocale>> ForAddressesAsync(IEnumerable<string> emails, CancellationToken cancellationToken = default)
    {
        var addresses = emails.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var normalized = addresses.Select(Normalize).ToList();
        var chosen = (await db.ConsentRecords
                .Where(c => normalized.Contains(c.NormalizedEmail))
                .Select(c => new { c.NormalizedEmail, c.Language, c.GivenAt })
                .ToListAsync(cancellationToken))
            .GroupBy(c => c.NormalizedEmail)
            .ToDictionary(g => g.Key, g => g.MaxBy(c => c.GivenAt)!.Language);
        return addresses.ToDictionary(
            email => email,
            email => RecipientLocale.For(chosen.GetValueOrDefault(Normalize(email)) ?? options.Value.Default),
            StringComparer.OrdinalIgnoreCase);
    }

    public async Task<RecipientLocale> ForAddressAsync(string email, CancellationToken cancellationToken = default) =>
        (await ForAddressesAsync([email], cancellationToken))[email];

    private static string Normalize(string email) => email.Trim().ToUpperInvariant();
}
