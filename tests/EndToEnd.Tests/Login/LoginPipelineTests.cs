using System.Globalization;
using System.Text;
using System.Web;
using System.Net;
using System.Text.Json;
using Refit;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Login;

/// <summary>The store-and-forward login, every process real, over HTTP on 127.0.0.1, on MariaDB.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class LoginPipelineTests(LoginPipelineFixture fixture) : IClassFixture<LoginPipelineFixture>
{
    private LoginSystem System => fixture.System;

    [Fact]
    public async Task Login_NewUser_TicketRedeemsToProfile()
    {
        var openId = await System.AddWeixinUserAsync("王小明");
        using var browser = System.NewBrowser();

        var attempt = await browser.StartLoginAsync(openId);
        var outcome = await browser.WaitForResultAsync(attempt.ItemId);

        Assert.Equal("done", outcome.State);
        Assert.StartsWith(System.ReturnUrl + "?ticket=", outcome.RedirectUrl);
        var redeemed = await System.Gateway.RedeemAsync(attempt.Login.LoginId, new RedeemTicketRequest(outcome.Ticket!));
        Assert.Equal(openId, redeemed.User.OpenId);
        Assert.Equal("王小明", redeemed.User.Nickname);
        Assert.Equal("u_" + openId, redeemed.User.UnionId);
        Assert.Equal(1, redeemed.User.LoginCount);

        var stored = await System.Gateway.GetUserAsync(openId);
        Assert.Equal("王小明", stored.Nickname);

        // The ticket is stored only as a hash; the OAuth code only on the inbox side.
        var rows = await System.Database.QueryAsync(System.Database.GatewayDatabase,
            "SELECT ticket_hash FROM weixin_logins WHERE id = @id", ("@id", attempt.Login.LoginId));
        Assert.NotEqual(outcome.Ticket, rows.Single()["ticket_hash"]);
        Assert.Equal(64, ((string)rows.Single()["ticket_hash"]!).Length);

        // The inbox learns who logged in (for its admin history), never the profile.
        var item = await System.Database.QueryAsync(System.Database.InboxDatabase,
            "SELECT open_id, outcome FROM inbox_items WHERE id = @id", ("@id", attempt.ItemId));
        Assert.Equal(openId, item.Single()["open_id"]);
        Assert.Equal("ticket_issued", item.Single()["outcome"]);
    }

    [Fact]
    public async Task Login_SameUserAgain_UpdatesTheSameDirectoryEntry()
    {
        var openId = await System.AddWeixinUserAsync("李雷");
        using var browser = System.NewBrowser();
        var first = await browser.StartLoginAsync(openId);
        var firstOutcome = await browser.WaitForResultAsync(first.ItemId);
        var firstUser = (await System.Gateway.RedeemAsync(first.Login.LoginId, new RedeemTicketRequest(firstOutcome.Ticket!))).User;

        await RenameAsync(openId, "李雷（新昵称）");
        var second = await browser.StartLoginAsync(openId);
        var secondOutcome = await browser.WaitForResultAsync(second.ItemId);
        var secondUser = (await System.Gateway.RedeemAsync(second.Login.LoginId, new RedeemTicketRequest(secondOutcome.Ticket!))).User;

        Assert.Equal(2, secondUser.LoginCount);
        Assert.Equal("李雷（新昵称）", secondUser.Nickname);
        Assert.Equal(firstUser.FirstSeenAt, secondUser.FirstSeenAt);
        Assert.True(secondUser.LastSeenAt >= firstUser.LastSeenAt);
        var count = await System.Database.QueryAsync(System.Database.GatewayDatabase,
            "SELECT COUNT(*) AS n FROM weixin_users WHERE open_id = @o", ("@o", openId));
        Assert.Equal(1L, Convert.ToInt64(count.Single()["n"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Login_ConsentRefused_NothingComesBackAndTheNextLoginWorks()
    {
        var openId = await System.AddWeixinUserAsync("拒绝者");
        using var browser = System.NewBrowser();

        // Today's WeChat keeps a refusing user on its page: no redirect, so no callback, no item, no ticket.
        var refused = await System.Gateway.CreateLoginAsync(new CreateLoginRequest(System.ReturnUrl));
        var page = await browser.RefuseAsync(refused.AuthorizeUrl, openId);
        Assert.Contains("你已拒绝授权", page);
        var items = await System.Database.QueryAsync(System.Database.InboxDatabase,
            "SELECT COUNT(*) AS n FROM inbox_items WHERE oauth_state = @s", ("@s", StateOf(refused)));
        Assert.Equal(0L, Convert.ToInt64(items.Single()["n"], CultureInfo.InvariantCulture));
        var pending = await System.Database.QueryAsync(System.Database.GatewayDatabase,
            "SELECT status, expires_at FROM weixin_logins WHERE state = @s", ("@s", StateOf(refused)));
        Assert.Equal("pending", pending.Single()["status"]);

        // Tapping 「微信登录」 again starts a fresh login that does not depend on the refused one.
        var attempt = await browser.StartLoginAsync(openId);
        var outcome = await browser.WaitForResultAsync(attempt.ItemId);
        Assert.NotNull(outcome.Ticket);
        var redeemed = await System.Gateway.RedeemAsync(attempt.Login.LoginId, new RedeemTicketRequest(outcome.Ticket!));
        Assert.Equal(openId, redeemed.User.OpenId);
    }

    [Fact]
    public async Task Login_StatesAreLettersAndDigitsOnly_AsWeixinRequires()
    {
        for (var i = 0; i < 20; i++)
        {
            var login = await System.Gateway.CreateLoginAsync(new CreateLoginRequest(System.ReturnUrl));
            var state = StateOf(login);
            Assert.Matches("^[A-Za-z0-9]{43}$", state);
        }
    }

    [Fact]
    public async Task Login_SnapshotModeUser_IsNeverRecordedNorGivenATicket()
    {
        var openId = await System.AddWeixinUserAsync("快照用户");
        using var browser = System.NewBrowser();

        var login = await System.Gateway.CreateLoginAsync(new CreateLoginRequest(System.ReturnUrl));
        var callback = await browser.AuthorizeAsync(login.AuthorizeUrl, openId, allow: true, snapshot: true);
        var itemId = await browser.OpenCallbackAsync(callback);
        var outcome = await browser.WaitForResultAsync(itemId);

        Assert.Equal(LoginErrors.SnapshotUser, outcome.Error);
        Assert.Null(outcome.Ticket);
        var users = await System.Database.QueryAsync(System.Database.GatewayDatabase,
            "SELECT COUNT(*) AS n FROM weixin_users WHERE open_id = @o OR open_id LIKE 'o_snap_%'", ("@o", openId));
        Assert.Equal(0L, Convert.ToInt64(users.Single()["n"], CultureInfo.InvariantCulture));
        var row = await System.Database.QueryAsync(System.Database.GatewayDatabase,
            "SELECT status, error_code, open_id FROM weixin_logins WHERE id = @i", ("@i", login.LoginId));
        Assert.Equal("failed", row.Single()["status"]);
        Assert.Equal(LoginErrors.SnapshotUser, row.Single()["error_code"]);
        Assert.Null(row.Single()["open_id"]);
    }

    [Fact]
    public async Task Callback_ForgedState_IsRefusedAtTheInbox_NothingStored()
    {
        // Note: issue 13 item 4: a state the gateway never announced is refused by the inbox itself (before, it was
        // stored and the poller answered state_unknown; the poller still checks, see OAuthItemHandlerTests).
        var openId = await System.AddWeixinUserAsync("伪造");
        using var browser = System.NewBrowser();
        var login = await System.Gateway.CreateLoginAsync(new CreateLoginRequest(System.ReturnUrl));
        var callback = await browser.AuthorizeAsync(login.AuthorizeUrl, openId, allow: true);
        var forged = new Uri(callback.ToString().Replace("state=" + StateOf(login), "state=forgedStateValue1234567890", StringComparison.Ordinal));
        var before = await CountItemsAsync();

        using var response = await browser.Http.GetAsync(forged);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("登录链接已失效", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await CountItemsAsync());
    }

    [Fact]
    public async Task Callback_ExpiredState_RedirectsWithStateExpired()
    {
        var openId = await System.AddWeixinUserAsync("过期");
        using var browser = System.NewBrowser();
        var login = await System.Gateway.CreateLoginAsync(new CreateLoginRequest(System.ReturnUrl));
        await System.Database.ExecuteAsync(System.Database.GatewayDatabase,
            $"UPDATE weixin_logins SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE WHERE id = '{login.LoginId}'");

        var callback = await browser.AuthorizeAsync(login.AuthorizeUrl, openId, allow: true);
        var outcome = await browser.WaitForResultAsync(await browser.OpenCallbackAsync(callback));

        Assert.Equal(LoginErrors.StateExpired, outcome.Error);
    }

    [Fact]
    public async Task Callback_ReplayedWithSameState_RefusedAsUsedAtTheInboxAndNoSecondTicket()
    {
        var openId = await System.AddWeixinUserAsync("重放");
        using var browser = System.NewBrowser();
        var attempt = await browser.StartLoginAsync(openId);
        var first = await browser.WaitForResultAsync(attempt.ItemId);
        Assert.NotNull(first.Ticket);
        var before = await CountItemsAsync();

        using var attacker = System.NewBrowser();
        using var replay = await attacker.Http.GetAsync(attempt.CallbackUrl);

        // Note: issue 13 item 4: the announced state was consumed by the first callback, so the inbox refuses the replay
        // itself (before, it was stored and the poller answered state_used).
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains("登录链接已使用", await replay.Content.ReadAsStringAsync());
        Assert.Equal(before, await CountItemsAsync());
        var redeemed = await System.Gateway.RedeemAsync(attempt.Login.LoginId, new RedeemTicketRequest(first.Ticket!));
        Assert.Equal(1, redeemed.User.LoginCount);
    }

    [Fact]
    public async Task Callback_CodeReusedWithFreshState_WeixinSays40163_CodeUsed()
    {
        var openId = await System.AddWeixinUserAsync("旧授权码");
        using var browser = System.NewBrowser();
        var attempt = await browser.StartLoginAsync(openId);
        Assert.Equal("done", (await browser.WaitForResultAsync(attempt.ItemId)).State);
        var usedCode = HttpUtility.ParseQueryString(attempt.CallbackUrl.Query)["code"];

        var fresh = await System.Gateway.CreateLoginAsync(new CreateLoginRequest(System.ReturnUrl));
        var replayUrl = new Uri(System.Inbox.BaseAddress, $"/wx/oauth/callback?code={usedCode}&state={StateOf(fresh)}");
        var outcome = await browser.WaitForResultAsync(await browser.OpenCallbackAsync(replayUrl));

        Assert.Equal(LoginErrors.CodeUsed, outcome.Error);
        var stats = await System.SimulatorStatsAsync();
        Assert.True(stats.GetProperty("errors").GetProperty("40163").GetInt64() >= 1);
    }

    [Fact]
    public async Task Redeem_Twice_SecondIsRefusedAsUsed()
    {
        var openId = await System.AddWeixinUserAsync("两次兑换");
        using var browser = System.NewBrowser();
        var attempt = await browser.StartLoginAsync(openId);
        var outcome = await browser.WaitForResultAsync(attempt.ItemId);
        await System.Gateway.RedeemAsync(attempt.Login.LoginId, new RedeemTicketRequest(outcome.Ticket!));

        var error = await Assert.ThrowsAnyAsync<ApiException>(() => System.Gateway.RedeemAsync(attempt.Login.LoginId, new RedeemTicketRequest(outcome.Ticket!)));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal(LoginErrors.TicketUsed, ProblemCode(error));
    }

    [Fact]
    public async Task Redeem_UnderAnotherLoginId_IsRefused()
    {
        var openId = await System.AddWeixinUserAsync("别人的凭据");
        using var victim = System.NewBrowser();
        var attempt = await victim.StartLoginAsync(openId);
        var outcome = await victim.WaitForResultAsync(attempt.ItemId);
        var attackerLogin = await System.Gateway.CreateLoginAsync(new CreateLoginRequest(System.ReturnUrl));

        var error = await Assert.ThrowsAnyAsync<ApiException>(() => System.Gateway.RedeemAsync(attackerLogin.LoginId, new RedeemTicketRequest(outcome.Ticket!)));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal(LoginErrors.TicketInvalid, ProblemCode(error));
        // The rightful owner can still use it: a refused attempt does not burn the ticket.
        var redeemed = await System.Gateway.RedeemAsync(attempt.Login.LoginId, new RedeemTicketRequest(outcome.Ticket!));
        Assert.Equal(openId, redeemed.User.OpenId);
    }

    [Fact]
    public async Task CreateLogin_ReturnUrlOutsideAllowedPrefixes_IsRefused()
    {
        var error = await Assert.ThrowsAnyAsync<ApiException>(() =>
            System.Gateway.CreateLoginAsync(new CreateLoginRequest("http://127.0.0.1.evil.example/login/weixin/done")));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact]
    public async Task Complete_RedirectOutsideInboxPrefixes_InboxRefusesAndBrowserIsNotSent()
    {
        var openId = await System.AddWeixinUserAsync("外部地址");
        using var browser = System.NewBrowser();

        var attempt = await browser.StartLoginAsync(openId, returnUrl: System.ForeignReturnUrl);
        var outcome = await browser.WaitForResultAsync(attempt.ItemId);

        Assert.Equal("failed", outcome.State);
        Assert.Null(outcome.RedirectUrl);
        var item = await System.Database.QueryAsync(System.Database.InboxDatabase,
            "SELECT status, redirect_url FROM inbox_items WHERE id = @id", ("@id", attempt.ItemId));
        Assert.Equal("failed", item.Single()["status"]);
        Assert.Null(item.Single()["redirect_url"]);
    }

    [Fact]
    public async Task WaitingStatus_WithoutTheItemCookie_IsForbidden()
    {
        var openId = await System.AddWeixinUserAsync("旁观者");
        using var owner = System.NewBrowser();
        var attempt = await owner.StartLoginAsync(openId);

        using var stranger = System.NewBrowser();
        var (status, outcome) = await stranger.GetStatusAsync(attempt.ItemId);
        using var page = await stranger.Http.GetAsync(new Uri(System.Inbox.BaseAddress, $"/wx/wait/{attempt.ItemId}"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("forbidden", outcome!.State);
        Assert.Null(outcome.RedirectUrl);
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("请在原浏览器中继续", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GatewayApi_UnsignedOrWrongKey_IsUnauthorized()
    {
        using var http = new HttpClient { BaseAddress = System.Poller.BaseAddress };
        using var unsigned = await http.PostAsync("/gateway/v1/logins",
            new StringContent("""{"returnUrl":"x"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);

        using var pollerApi = await http.PostAsync(new Uri(System.Inbox.BaseAddress, "/poller/v1/claim"),
            new StringContent("""{"pollerId":"intruder"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, pollerApi.StatusCode);
    }

    [Fact]
    public async Task Callback_MalformedState_IsRefusedWithoutStoring()
    {
        using var browser = System.NewBrowser();
        var before = await CountItemsAsync();

        using var response = await browser.Http.GetAsync(new Uri(System.Inbox.BaseAddress, "/wx/oauth/callback?code=abc&state=%3Cscript%3E"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("登录链接无效", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await CountItemsAsync());
    }

    [Fact]
    public async Task Login_Timeline_RecordsEveryTransitionWithTimes()
    {
        var openId = await System.AddWeixinUserAsync("时间线");
        using var browser = System.NewBrowser();
        var attempt = await browser.StartLoginAsync(openId);
        await browser.WaitForResultAsync(attempt.ItemId);
        await browser.GetStatusAsync(attempt.ItemId);

        var events = await System.Database.QueryAsync(System.Database.InboxDatabase,
            "SELECT type, actor, at FROM inbox_item_events WHERE item_id = @id ORDER BY id", ("@id", attempt.ItemId));
        var types = events.Select(e => (string)e["type"]!).ToList();

        Assert.Equal(["received", "claimed", "completed", "browser_redirected"], types);
        Assert.All(events, e => Assert.IsType<DateTime>(e["at"]));
        Assert.False(string.IsNullOrEmpty((string?)events[1]["actor"]));
    }

    private async Task<long> CountItemsAsync() => Convert.ToInt64(
        (await System.Database.QueryAsync(System.Database.InboxDatabase, "SELECT COUNT(*) AS n FROM inbox_items")).Single()["n"],
        CultureInfo.InvariantCulture);

    private async Task RenameAsync(string openId, string nickname)
    {
        using var http = new HttpClient { BaseAddress = System.Simulator.BaseAddress };
        using var response = await http.PostAsync("/sim/users", new StringContent(
            JsonSerializer.Serialize(new { openId, nickname, unionId = "u_" + openId }), Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private static string StateOf(CreateLoginResponse login) =>
        HttpUtility.ParseQueryString(new Uri(login.AuthorizeUrl.Split('#')[0]).Query)["state"]!;

    private static string? ProblemCode(ApiException error)
    {
        using var doc = JsonDocument.Parse(error.Content ?? "{}");
        return doc.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
    }
}
