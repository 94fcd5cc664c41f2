using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Weixin.Inbox.CrmApp.Data;

/// <summary>Registration of the CRM database and the <c>migrate</c> command.</summary>
public static class CrmDataExtensions
{
    /// <summary>The runtime connection (least-privilege user: SELECT, INSERT, UPDATE, DELETE).</summary>
    public const string ConnectionName = "Crm";

    /// <summary>An admin connection allowed to create tables, used only by <c>migrate</c>.</summary>
    public const string MigrationsConnectionName = "Migrations";

    /// <summary>The command-line verb that applies the migrations and exits.</summary>
    public const string MigrateVerb = "migrate";

    public static WebApplicationBuilder AddCrmData(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("ConnectionStrings:Crm is not set: the CRM cannot keep accounts and customers without its database.");
        }

        builder.Services.AddDbContext<CrmDbContext>(o => CrmDbContext.Configure(o, connectionString));
        return builder;
    }

    /// <summary><c>CrmApp.dll migrate</c>: applies the migrations with <c>ConnectionStrings:Migrations</c> (else <c>Crm</c>); returns the exit code.</summary>
    public static async Task<int> MigrateAsync(IConfiguration configuration, Serilog.ILogger logger)
    {
        var connectionString = configuration.GetConnectionString(MigrationsConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = configuration.GetConnectionString(ConnectionName);
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            logger.Error("Cannot migrate: set ConnectionStrings:Migrations (an admin user) or ConnectionStrings:Crm");
            return 2;
        }

        // Note: log where, never the connection string itself (it carries the password).
        var target = new MySqlConnectionStringBuilder(connectionString);
        var options = new DbContextOptionsBuilder<CrmDbContext>();
        CrmDbContext.Configure(options, connectionString);
        await using var db = new CrmDbContext(options.Options);
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        await db.Database.MigrateAsync();
        logger.Information("CRM database {Database} on {Server}:{Port} migrated: {Count} migrations applied ({Migrations})",
            target.Database, target.Server, target.Port, pending.Count, string.Join(", ", pending));
        return 0;
    }
}
