using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Data;

/// <summary>
/// <c>CrmApp.dll seed</c> as an operator runs it (a real process on a migrated database of its own): the demo gets its
/// customers, a production database (<c>seed --admin-only</c>, docs/DEPLOY.md) starts with the 管理员 and nothing else.
/// </summary>
public sealed class SeedCommandTests
{
    [Fact]
    public async Task SeedAdminOnly_CreatesTheAdmin_AndNoDemoCustomers()
    {
        await using var db = await MigratedDatabaseAsync();

        var result = await ServiceCommand.RunAsync("CrmApp", Settings(db), "seed", "--admin-only");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(1L, Count(await db.ScalarAsync("SELECT COUNT(*) FROM accounts WHERE user_name = 'admin' AND role = 'admin' AND status = 'active'")));
        Assert.Equal(0L, Count(await db.ScalarAsync("SELECT COUNT(*) FROM customers")));
        Assert.Equal(0L, Count(await db.ScalarAsync("SELECT COUNT(*) FROM follow_up_reminders")));

        // The demo's plain seed on the same database then still adds its customers (the table is empty).
        var demo = await ServiceCommand.RunAsync("CrmApp", Settings(db), "seed");
        Assert.True(demo.ExitCode == 0, demo.Output);
        Assert.Equal(11L, Count(await db.ScalarAsync("SELECT COUNT(*) FROM customers")));
    }

    [Fact]
    public async Task Seed_WithAnUnknownOption_AddsNothing()
    {
        await using var db = await MigratedDatabaseAsync();

        // A typo must not fall back to the demo seed on a production database.
        var result = await ServiceCommand.RunAsync("CrmApp", Settings(db), "seed", "--admin-onyl");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--admin-onyl", result.Output);
        Assert.Equal(0L, Count(await db.ScalarAsync("SELECT COUNT(*) FROM accounts")));
        Assert.Equal(0L, Count(await db.ScalarAsync("SELECT COUNT(*) FROM customers")));
    }

    private static long Count(object? scalar) => Convert.ToInt64(scalar, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<ThrowawayDatabase> MigratedDatabaseAsync()
    {
        var db = await ThrowawayDatabase.CreateAsync("crm_seed");
        await ServiceProcess.RunToCompletionAsync("CrmApp",
            new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = db.AdminConnectionString }, "migrate");
        return db;
    }

    private static Dictionary<string, string> Settings(ThrowawayDatabase db) => new()
    {
        ["ConnectionStrings__Crm"] = db.ServiceConnectionString,
        ["Seed__AdminPassword"] = "Adm" + Guid.NewGuid().ToString("N")[..12] + "9",
    };
}
