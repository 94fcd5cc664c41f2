using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Tests;

/// <summary>A migrated inbox database of its own for one test class; the service side connects as a DML-only user.</summary>
public sealed class InboxDatabaseFixture : IAsyncLifetime
{
    private ThrowawayDatabase? _database;

    public ThrowawayDatabase Database => _database ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync()
    {
        _database = await ThrowawayDatabase.CreateAsync("pit");
        await using var admin = Create(Database.AdminConnectionString);
        await admin.Database.MigrateAsync();
    }

    /// <summary>A context as the inbox has it (least-privilege user).</summary>
    public InboxDbContext CreateContext(params IInterceptor[] interceptors) => Create(Database.ServiceConnectionString, interceptors);

    /// <summary>Empties the tables, so a test that sweeps the whole table sees only its own items.</summary>
    public Task ResetAsync() => Database.ExecuteAsync("DELETE FROM inbox_item_events; DELETE FROM inbox_items; DELETE FROM pollers;");

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private static InboxDbContext Create(string connectionString, params IInterceptor[] interceptors) =>
        new(new DbContextOptionsBuilder<InboxDbContext>().UseMySql(connectionString, InboxDbContext.ServerVersion).AddInterceptors(interceptors).Options);
}
