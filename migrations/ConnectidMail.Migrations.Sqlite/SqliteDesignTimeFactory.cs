using ConnectidMail.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.Migrations.Sqlite;

/// <summary>
/// Lets <c>dotnet ef migrations add X --project migrations/ConnectidMail.Migrations.Sqlite</c> build the model
/// exactly as the portal does, including the Identity schema version that holds passkeys.
/// </summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<ConnectidDbContext>
{
    public ConnectidDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<ConnectidDbContext>();
        DatabaseExtensions.UseSqlite(options, "Data Source=design-time.db");
        options.UseApplicationServiceProvider(DesignTimeServices());
        return new ConnectidDbContext(options.Options);
    }

    private static ServiceProvider DesignTimeServices()
    {
        var services = new ServiceCollection();
        services.Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3);
        return services.BuildServiceProvider();
    }
}
