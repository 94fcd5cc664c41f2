using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Web;
using Refit;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Security;

/// <summary>
/// Issue 13 item 4 across the whole system: the gateway announces each state to the inbox before it answers the
/// authorize URL (and refuses to start a login the inbox was not told of); a real login through the simulator consumes
/// its state, so the same callback URL opened again (a reload, or a captured URL) stores nothing. Real processes.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class AnnouncedStateFlowTests
{
    [Fact]
    public async Task RealLogin_ConsumesItsAnnouncedState_AndTheSameCallbackAgainStoresNothing()
    {
        await using var system = await LoginSystem.StartAsync(new LoginSystemSettings(), "states-login");
        var openId = await system.AddWeixinUserAsync("状态公告");
        using var browser = system.NewBrowser();

        var attempt = await browser.StartLoginAsync(openId);
        var outcome = await browser.WaitForResultAsync(attempt.ItemId);
        using var again = await browser.Http.GetAsync(attempt.CallbackUrl);
        var state = HttpUtility.ParseQueryString(attempt.CallbackUrl.Query)["state"]!;

        Assert.Equal("done", outcome.State);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("登录链接已使用", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var row = Assert.Single(await system.Database.QueryAsync(system.Database.InboxDatabase,
            "SELECT used_at, expires_at FROM oauth_states WHERE state_hash = @h", ("@h", OAuthStateHash.Bytes(state))));
        Assert.NotNull(row["used_at"]);
        Assert.Equal(1, Convert.ToInt32(Assert.Single(await system.Database.QueryAsync(system.Database.InboxDatabase,
            "SELECT COUNT(*) AS n FROM inbox_items WHERE oauth_state = @s", ("@s", state)))["n"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task InboxDown_GatewayAnswersInboxUnavailable_AndStartsNoLogin_ThenLoginsWorkAgain()
    {
        await using var system = await LoginSystem.StartAsync(new LoginSystemSettings(), "states-inbox-down");
        var openId = await system.AddWeixinUserAsync("公网断开");
        await system.Inbox.KillAsync();

        var error = await Assert.ThrowsAnyAsync<ApiException>(() => system.Gateway.CreateLoginAsync(new CreateLoginRequest(system.ReturnUrl)));
        var logins = await system.Database.QueryAsync(system.Database.GatewayDatabase, "SELECT id FROM weixin_logins");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        using (var problem = JsonDocument.Parse(error.Content ?? "{}"))
        {
            Assert.Equal(LoginErrors.InboxUnavailable, problem.RootElement.GetProperty("code").GetString());
        }

        Assert.Empty(logins);

        await system.Inbox.StartAsync();
        using var browser = system.NewBrowser();
        var attempt = await browser.StartLoginAsync(openId);
        Assert.Equal("done", (await browser.WaitForResultAsync(attempt.ItemId)).State);
    }
}
