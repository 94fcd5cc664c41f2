using System.Globalization;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Login;

/// <summary>
/// The poller keeps the lease of an item it is working on (<c>POST /poller/v1/items/{id}/lease</c>), and lets go of
/// an item whose lease was taken over. Real processes, short leases, own system per test.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class LeaseRenewalTests
{
    [Fact]
    public async Task SlowLogin_LeaseRenewed_ItemNeverTakenOverAndCompletedOnce()
    {
        var settings = new LoginSystemSettings { LoginTimeout = TimeSpan.FromSeconds(40), LeaseDuration = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(300) };
        await using var system = await LoginSystem.StartAsync(settings, "lease-renewed");
        var openId = await system.AddWeixinUserAsync("慢慢来");
        // WeChat's code exchange takes 8 s: almost three leases.
        await system.InjectCodeExchangeFaultAsync(errcode: 0, count: 1, delay: TimeSpan.FromSeconds(8));
        using var browser = system.NewBrowser();

        var attempt = await browser.StartLoginAsync(openId);
        var outcome = await browser.WaitForResultAsync(attempt.ItemId, TimeSpan.FromSeconds(30));

        Assert.Equal("done", outcome.State);
        var redeemed = await system.Gateway.RedeemAsync(attempt.Login.LoginId, new RedeemTicketRequest(outcome.Ticket!));
        Assert.Equal(1, redeemed.User.LoginCount);
        var item = (await system.Database.QueryAsync(system.Database.InboxDatabase,
            "SELECT attempts FROM inbox_items WHERE id = @id", ("@id", attempt.ItemId))).Single();
        Assert.Equal(1, Convert.ToInt32(item["attempts"], CultureInfo.InvariantCulture));
        var events = await EventsAsync(system, attempt.ItemId);
        Assert.DoesNotContain("lease_expired", events);
        Assert.Single(events, e => e == "claimed");
        Assert.Single(events, e => e == "completed");
    }

    [Fact]
    public async Task LeaseTakenOver_PollerStopsWorkingTheItemAndNeverCompletesIt()
    {
        var settings = new LoginSystemSettings { LoginTimeout = TimeSpan.FromSeconds(40), LeaseDuration = TimeSpan.FromSeconds(9), PollInterval = TimeSpan.FromMilliseconds(300) };
        await using var system = await LoginSystem.StartAsync(settings, "lease-taken-over");
        var openId = await system.AddWeixinUserAsync("被接管");
        // The code exchange takes 15 s; the lease (9 s) is renewed every 3 s, so the poller asks again while it waits.
        // Note: 15 s, not less: on a loaded CI machine the test process may be starved for seconds between seeing
        // "leased" and taking the item over, and the poller must still be waiting on WeChat when it does.
        await system.InjectCodeExchangeFaultAsync(errcode: 0, count: 1, delay: TimeSpan.FromSeconds(15));
        using var browser = system.NewBrowser();

        var attempt = await browser.StartLoginAsync(openId);
        await WaitForStatusAsync(system, attempt.ItemId, "leased");
        // Another poller takes the item over (as after a lapse): the lease id the poller holds is no longer the item's.
        await system.Database.ExecuteAsync(system.Database.InboxDatabase, $"""
            UPDATE inbox_items SET lease_id = 'taken-over-by-test', leased_by = 'another-poller', lease_until = UTC_TIMESTAMP(6) + INTERVAL 1 HOUR
            WHERE id = {attempt.ItemId} AND status = 'leased'
            """);
        await Task.Delay(TimeSpan.FromSeconds(9)); // past the poller's next renewals and its first lease

        // The poller stopped at its renewal (3 s): no user recorded, no ticket, the item left to its new holder.
        var item = (await system.Database.QueryAsync(system.Database.InboxDatabase,
            "SELECT status, lease_id FROM inbox_items WHERE id = @id", ("@id", attempt.ItemId))).Single();
        Assert.Equal("leased", item["status"]);
        Assert.Equal("taken-over-by-test", item["lease_id"]);
        Assert.DoesNotContain("completed", await EventsAsync(system, attempt.ItemId));
        Assert.Empty(await system.Database.QueryAsync(system.Database.GatewayDatabase,
            "SELECT open_id FROM weixin_users WHERE open_id = @o", ("@o", openId)));
        var login = (await system.Database.QueryAsync(system.Database.GatewayDatabase,
            "SELECT status, ticket_hash FROM weixin_logins WHERE id = @id", ("@id", attempt.Login.LoginId))).Single();
        Assert.Equal("pending", login["status"]);
        Assert.Null(login["ticket_hash"]);
    }

    private static async Task<List<string>> EventsAsync(LoginSystem system, long itemId) =>
        [.. (await system.Database.QueryAsync(system.Database.InboxDatabase,
            "SELECT type FROM inbox_item_events WHERE item_id = @id ORDER BY id", ("@id", itemId))).Select(e => (string)e["type"]!)];

    private static async Task WaitForStatusAsync(LoginSystem system, long itemId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var rows = await system.Database.QueryAsync(system.Database.InboxDatabase, "SELECT status FROM inbox_items WHERE id = @id", ("@id", itemId));
            if ((string?)rows.Single()["status"] == status)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Item {itemId} never reached {status}.");
    }
}
