using System.Globalization;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Testing;

/// <summary>
/// Looks through every byte a portal stored: its data folder (SQLite file and WAL, blobs, mail pickup) and, in the
/// PostgreSQL lane, the portal's own database folder on the server and the server's write-ahead log.
/// </summary>
public static class StoredBytes
{
    public static async Task<bool> ContainAsync(PortalFactory portal, byte[] needle)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var files = Directory.Exists(portal.DataPath)
            ? Directory.EnumerateFiles(portal.DataPath, "*", SearchOption.AllDirectories).ToList()
            : [];
        if (DatabaseLane.Current == DatabaseProvider.Postgres)
        {
            var oid = await portal.WithDbAsync(db =>
                db.Database.SqlQuery<long>($"SELECT oid::bigint AS \"Value\" FROM pg_database WHERE datname = current_database()").SingleAsync());
            var cluster = PostgresTestServer.Shared.DataDirectory;
            files.AddRange(Directory.EnumerateFiles(Path.Combine(cluster, "base", oid.ToString(CultureInfo.InvariantCulture))));
            files.AddRange(Directory.EnumerateFiles(Path.Combine(cluster, "pg_wal")));
        }

        return files.Any(file => ReadIfStillThere(file).AsSpan().IndexOf(needle) >= 0);
    }

    public static Task<bool> ContainAsync(PortalFactory portal, string text) =>
        ContainAsync(portal, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>The server may remove a temporary file between listing and reading.</summary>
    private static byte[] ReadIfStillThere(string file)
    {
        try
        {
            return File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
    }
}
