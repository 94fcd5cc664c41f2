using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Serilog;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// <c>dotnet &lt;Service&gt;.dll migrate</c>: applies the EF Core migrations of the service's database and exits (0 done,
/// 1 failed, 2 not configured). The services need no DDL rights at run time; this command runs with
/// <c>ConnectionStrings:Migrations</c> (an admin user), else the service's own connection string.
/// </summary>
public static class MigrateCommand
{
    /// <summary>The command-line verb.</summary>
    public const string Verb = "migrate";

    /// <summary>The admin connection used only by <c>migrate</c>.</summary>
    public const string MigrationsConnectionName = "Migrations";

    /// <summary>True when the command line asks for <c>migrate</c>.</summary>
    public static bool IsRequested(string[] args) => args is [Verb, ..];

    /// <summary>
    /// Applies the pending migrations of <typeparamref name="TContext"/> with <c>ConnectionStrings:Migrations</c> (else
    /// <c>ConnectionStrings:{connectionName}</c>), configured by <paramref name="configure"/> (the service's provider
    /// setup); logs each applied migration and returns the exit code.
    /// </summary>
    public static async Task<int> RunAsync<TContext>(IConfiguration configuration, string connectionName, Action<DbContextOptionsBuilder, string> configure, CancellationToken cancellationToken = default)
        where TContext : DbContext
    {
        var connectionString = configuration.GetConnectionString(MigrationsConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = configuration.GetConnectionString(connectionName);
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Log.Error("Cannot migrate: set ConnectionStrings:Migrations (an admin user) or ConnectionStrings:{ConnectionName}", connectionName);
            return 2;
        }

        // Note: log where, never the connection string itself (it carries the password).
        var target = new MySqlConnectionStringBuilder(connectionString);
        try
        {
            await using var services = new ServiceCollection().AddDbContext<TContext>(o => configure(o, connectionString)).BuildServiceProvider();
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();

            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count == 0)
            {
                Log.Information("Database {Database} on {Server}:{Port} is up to date", target.Database, target.Server, target.Port);
                return 0;
            }

            await db.Database.MigrateAsync(cancellationToken);
            foreach (var migration in pending)
            {
                Log.Information("Applied migration {Migration} to {Database} on {Server}:{Port}", migration, target.Database, target.Server, target.Port);
            }

            return 0;
        }
        catch (MySqlException ex)
        {
            // Note: a refused login or an unreachable server says all it needs in its message; no stack trace.
            Log.Error("Migrating {Database} on {Server}:{Port} failed: {Reason}", target.Database, target.Server, target.Port, ex.Message);
            return 1;
        }
        catch (Exception ex)
        {
            Log.Error(ex, "Migrating {Database} on {Server}:{Port} failed: {Reason}", target.Database, target.Server, target.Port, ex.Message);
            return 1;
        }
    }
}
