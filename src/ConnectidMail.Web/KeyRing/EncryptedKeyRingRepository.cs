using System.Xml.Linq;
using ConnectidMail.Persistence;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace ConnectidMail.Web.KeyRing;

/// <summary>
/// Keeps the DataProtection key ring in the database. A key found there in plain form (written before the key ring
/// was encrypted, or planted) is removed, so DataProtection replaces it with an encrypted one; what it protected
/// (cookies, antiforgery tokens) simply stops being accepted.
/// </summary>
internal sealed class EncryptedKeyRingRepository(IServiceScopeFactory scopes, ILogger<EncryptedKeyRingRepository> logger) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        var elements = new List<XElement>();
        var plain = new List<DataProtectionKey>();
        foreach (var row in db.DataProtectionKeys.ToList())
        {
            var element = XElement.Parse(row.Xml ?? "<empty />");
            if (HoldsPlainKeyMaterial(element))
            {
                plain.Add(row);
            }
            else
            {
                elements.Add(element);
            }
        }

        if (plain.Count > 0)
        {
            db.DataProtectionKeys.RemoveRange(plain);
            db.SaveChanges();
            logger.LogWarning(
                "Removed {Count} DataProtection key(s) stored without encryption; encrypted keys replace them and staff sign in again",
                plain.Count);
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }

    /// <summary>An encrypted key keeps its secret inside <c>encryptedSecret</c>; a plain one shows its <c>masterKey</c>.</summary>
    internal static bool HoldsPlainKeyMaterial(XElement element) =>
        element.Descendants().Any(e => e.Name.LocalName == "masterKey");
}
