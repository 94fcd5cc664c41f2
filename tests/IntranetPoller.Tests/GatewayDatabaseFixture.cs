using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.IntranetPoller.Data;

namespace Weixin.Inbox.IntranetPoller.Tests;

/// <summary>A migrated gateway database of its own for one test class; the service side connects as a DML-only user.</summary>
public sealed class GatewayDatabaseFixture : IAsyncLifetime
{
    private ThrowawayDatabase? _database;

    public ThrowawayDatabase Database => _database ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync()
    {
        _database = await ThrowawayDatabase.CreateAsync("ipt");
        await using var admin = Create(Database.AdminConnectionString);
        await admin.Database.MigrateAsync();
    }

    /// <summary>A context as the service has it (least-privilege user).</summary>
    public GatewayDbContext CreateContext() => Create(Database.ServiceConnectionString);

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private static GatewayDbContext Create(string connectionString)
    {
        var options = new DbContextOptionsBuilder<GatewayDbContext>();
        GatewayDbContext.Configure(options, connectionString);
        return new GatewayDbContext(options.Options);
    }
}
