using Microsoft.EntityFrameworkCore;
using Serilog;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>Registration of the inbox database and the <c>migrate</c> command.</summary>
public static class InboxDataExtensions
{
    public static WebApplicationBuilder AddInboxData(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Inbox")
            ?? throw new InvalidOperationException("ConnectionStrings:Inbox is not set: the inbox cannot store callbacks without its database.");
        builder.Services.AddDbContext<InboxDbContext>(o => o.UseMySql(connectionString, InboxDbContext.ServerVersion));
        builder.Services.AddScoped<IReplayGuard, MySqlReplayGuard>();
        builder.Services.AddSingleton<InboxSignals>();
        return builder;
    }

    /// <summary>Applies pending migrations with <c>ConnectionStrings:Migrations</c> (an admin user) and returns the exit code.</summary>
    public static async Task<int> MigrateAsync(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Migrations") ?? configuration.GetConnectionString("Inbox");
        if (string.IsNullOrEmpty(connectionString))
        {
            Log.Error("Set ConnectionStrings:Migrations (a user allowed to create tables) to apply migrations");
            return 2;
        }

        var options = new DbContextOptionsBuilder<InboxDbContext>().UseMySql(connectionString, InboxDbContext.ServerVersion).Options;
        await using var db = new InboxDbContext(options);
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        await db.Database.MigrateAsync();
        Log.Information("Inbox database migrated: {Count} migrations applied ({Migrations})", pending.Count, string.Join(", ", pending));
        return 0;
    }
}
