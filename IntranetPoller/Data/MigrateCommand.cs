using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary><c>IntranetPoller.dll migrate</c>: applies the EF Core migrations to the gateway database and exits.</summary>
public static class MigrateCommand
{
    /// <summary>The command-line verb.</summary>
    public const string Verb = "migrate";

    /// <summary>Applies pending migrations with <c>ConnectionStrings:Migrations</c> (else <c>ConnectionStrings:Gateway</c>); returns the exit code.</summary>
    public static async Task<int> RunAsync(IConfiguration configuration, ILogger logger, CancellationToken cancellationToken = default)
    {
        var connectionString = configuration.GetConnectionString(GatewayDataExtensions.MigrationsConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = configuration.GetConnectionString(GatewayDataExtensions.ConnectionName);
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            logger.LogError("Cannot migrate: set ConnectionStrings:Migrations (an admin user) or ConnectionStrings:Gateway");
            return 2;
        }

        // Note: log where, never the connection string itself (it carries the password).
        var target = new MySqlConnectionStringBuilder(connectionString);
        try
        {
            var options = new DbContextOptionsBuilder<GatewayDbContext>();
            GatewayDbContext.Configure(options, connectionString);
            await using var db = new GatewayDbContext(options.Options);

            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count == 0)
            {
                logger.LogInformation("Database {Database} on {Server}:{Port} is up to date", target.Database, target.Server, target.Port);
                return 0;
            }

            await db.Database.MigrateAsync(cancellationToken);
            foreach (var migration in pending)
            {
                logger.LogInformation("Applied migration {Migration} to {Database} on {Server}:{Port}", migration, target.Database, target.Server, target.Port);
            }

            return 0;
        }
        catch (MySqlException ex)
        {
            // Note: a refused login or an unreachable server says all it needs in its message; no stack trace.
            logger.LogError("Migrating {Database} on {Server}:{Port} failed: {Reason}", target.Database, target.Server, target.Port, ex.Message);
            return 1;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Migrating {Database} on {Server}:{Port} failed: {Reason}", target.Database, target.Server, target.Port, ex.Message);
            return 1;
        }
    }
}
