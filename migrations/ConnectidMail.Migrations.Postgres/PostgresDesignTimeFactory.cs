using ConnectidMail.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.Migrations.Postgres;

/// <summary>
/// Lets <c>dotnet ef migrations add X --project migrations/ConnectidMail.Migrations.Postgres</c> build the model
/// exactly as the portal does, including the Identity schema version that holds passkeys.
/// </summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<ConnectidDbContext>
{
    /// <summary>Adding a migration only builds the model; nothing connects, so no server has to run.</summary>
    private const string ModelOnlyConnectionString = "Host=localhost;Database=connectidmail_design_time";

    public ConnectidDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<ConnectidDbContext>();
        DatabaseExtensions.UsePostgres(options, ModelOnlyConnectionString);
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
