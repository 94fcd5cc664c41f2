using System.Globalization;
using System.Text;
using System.Web;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Login;

/// <summary>What happens when the intranet poller is down or dies mid-work. Short timeouts, own system per test.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class PollerOutageTests
{
    private static readonly LoginSystemSettings Short = new()
    {
        LoginTimeout = TimeSpan.FromSeconds(8),
        LeaseDuration = TimeSpan.FromSeconds(4),
        PollInterval = TimeSpan.FromMilliseconds(300),
    };

    [Fact]
    public async Task PollerStopped_WaitingPageReportsTimeout_NothingLost_ThenNewLoginWorks()
    {
        await using var system = await LoginSystem.StartAsync(Short, "outage-stopped");
        var openId = await system.AddWeixinUserAsync("断网");
        using var browser = system.NewBrowser();
        // The user pressed 「微信登录」 (the gateway made the login), then the intranet lost its way out.
        var login = await system.Gateway.CreateLoginAsync(new CreateLoginRequest(system.ReturnUrl));
        await system.Poller.KillAsync();

        var callback = await browser.AuthorizeAsync(login.AuthorizeUrl, openId, allow: true);
        var attempt = new LoginAttempt(login, callback, await browser.OpenCallbackAsync(callback));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var (_, whileWaiting) = await browser.GetStatusAsync(attempt.ItemId);
        var outcome = await browser.WaitForResultAsync(attempt.ItemId, TimeSpan.FromSeconds(20));

        Assert.Equal("queued", whileWaiting!.State);
        Assert.Equal("expired", outcome.State);
        Assert.Contains("内网服务", outcome.Message);
        Assert.Contains("没有丢失", outcome.Message);
        Assert.Equal(new Uri(system.Landing.BaseAddress, "/login/weixin").ToString(), outcome.RetryUrl);

        // The stored callback is kept, with its history.
        var item = (await system.Database.QueryAsync(system.Database.InboxDatabase,
            "SELECT status, oauth_state, expired_at, attempts FROM inbox_items WHERE id = @id", ("@id", attempt.ItemId))).Single();
        Assert.Equal("expired", item["status"]);
        Assert.NotNull(item["expired_at"]);
        Assert.Equal(0, Convert.ToInt32(item["attempts"], CultureInfo.InvariantCulture));

        // The poller comes back: a new login works, and the stale item stays expired (never processed).
        await system.Poller.StartAsync();
        var again = await browser.StartLoginAsync(openId);
        var done = await browser.WaitForResultAsync(again.ItemId);
        Assert.Equal("done", done.State);
        Assert.NotNull(done.Ticket);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var stale = (await system.Database.QueryAsync(system.Database.InboxDatabase,
            "SELECT status, attempts FROM inbox_items WHERE id = @id", ("@id", attempt.ItemId))).Single();
        Assert.Equal("expired", stale["status"]);
        Assert.Equal(0, Convert.ToInt32(stale["attempts"], CultureInfo.InvariantCulture));
        var staleLogin = (await system.Database.QueryAsync(system.Database.GatewayDatabase,
            "SELECT item_id FROM weixin_logins WHERE id = @id", ("@id", attempt.Login.LoginId))).Single();
        Assert.Null(staleLogin["item_id"]);
    }

    [Fact]
    public async Task PollerKilledHoldingLease_ItemProcessedOnceAfterLeaseEnds()
    {
        await using var system = await LoginSystem.StartAsync(Short with { LoginTimeout = TimeSpan.FromSeconds(30), LeaseDuration = TimeSpan.FromSeconds(6) }, "outage-killed");
        var openId = await system.AddWeixinUserAsync("崩溃");
        // The first code exchange hangs, so the poller is caught holding the lease.
        await system.InjectCodeExchangeFaultAsync(errcode: 0, count: 1, delay: TimeSpan.FromSeconds(20));
        using var browser = system.NewBrowser();

        var attempt = await browser.StartLoginAsync(openId);
        await WaitForStatusAsync(system, attempt.ItemId, "leased");
        await WaitForCodeExchangeInFlightAsync(system);
        await system.Poller.KillAsync();
        await system.Poller.StartAsync();
        var outcome = await browser.WaitForResultAsync(attempt.ItemId, TimeSpan.FromSeconds(30));

        Assert.Equal("done", outcome.State);
        var redeemed = await system.Gateway.RedeemAsync(attempt.Login.LoginId, new RedeemTicketRequest(outcome.Ticket!));
        Assert.Equal(1, redeemed.User.LoginCount);
        var item = (await system.Database.QueryAsync(system.Database.InboxDatabase,
            "SELECT attempts FROM inbox_items WHERE id = @id", ("@id", attempt.ItemId))).Single();
        Assert.Equal(2, Convert.ToInt32(item["attempts"], CultureInfo.InvariantCulture));
        var events = (await system.Database.QueryAsync(system.Database.InboxDatabase,
            "SELECT type FROM inbox_item_events WHERE item_id = @id ORDER BY id", ("@id", attempt.ItemId))).Select(e => (string)e["type"]!).ToList();
        Assert.Equal(["received", "claimed", "lease_expired", "claimed", "completed"], events.Take(5));
        var users = await system.Database.QueryAsync(system.Database.GatewayDatabase,
            "SELECT login_count FROM weixin_users WHERE open_id = @o", ("@o", openId));
        Assert.Single(users);
    }

    private static async Task WaitForCodeExchangeInFlightAsync(LoginSystem system)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if ((await system.SimulatorStatsAsync()).GetProperty("codeExchanges").GetInt64() >= 1)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The poller never called WeChat's code exchange.");
    }

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
