using System.Globalization;
using System.Text;
using System.Web;
using Microsoft.Playwright;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.EndToEnd.Tests.Login;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Browser;

/// <summary>The login as a phone user clicks it, in Debian's Chromium (headless), with screenshots.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class BrowserLoginTests(LoginPipelineFixture fixture) : IClassFixture<LoginPipelineFixture>
{
    private LoginSystem System => fixture.System;

    [Fact]
    public async Task Login_ClickedThroughInChromium_LandsOnAppWithTicket()
    {
        var openId = await System.AddWeixinUserAsync("韩梅梅");
        var login = await System.Gateway.CreateLoginAsync(new CreateLoginRequest(System.ReturnUrl));
        // Note: a slow WeChat (3 s) keeps the browser on 「正在登录…」 long enough to photograph it.
        await System.InjectCodeExchangeFaultAsync(errcode: 0, count: 1, delay: TimeSpan.FromSeconds(3));

        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPhoneAsync();
        await page.GotoAsync(login.AuthorizeUrl.Split('#')[0]);
        await page.CheckAsync($"input[name=sim_user][value='{openId}']");
        await Chromium.ScreenshotAsync(page, "01-simulator-authorize");
        await page.ClickAsync("button.allow");

        await page.WaitForURLAsync("**/wx/wait/*");
        await page.WaitForSelectorAsync("#step-queued");
        Assert.Contains("正在登录", await page.TitleAsync());
        await Chromium.ScreenshotAsync(page, "02-waiting-page");

        await page.WaitForURLAsync(System.ReturnUrl + "?ticket=*", new PageWaitForURLOptions { Timeout = 30_000 });
        await Chromium.ScreenshotAsync(page, "03-landed-in-app");
        var ticket = HttpUtility.ParseQueryString(new Uri(page.Url).Query)["ticket"];
        var redeemed = await System.Gateway.RedeemAsync(login.LoginId, new RedeemTicketRequest(ticket!));
        Assert.Equal("韩梅梅", redeemed.User.Nickname);
    }

    [Fact]
    public async Task Login_DeniedInChromium_StaysOnWeixinsPage()
    {
        var openId = await System.AddWeixinUserAsync("拒绝授权");
        var login = await System.Gateway.CreateLoginAsync(new CreateLoginRequest(System.ReturnUrl));

        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPhoneAsync();
        await page.GotoAsync(login.AuthorizeUrl.Split('#')[0]);
        await page.CheckAsync($"input[name=sim_user][value='{openId}']");
        await page.ClickAsync("button.deny");

        // Today's WeChat does not redirect after a refusal: the phone stays on WeChat's page and the inbox never hears of it.
        await page.WaitForSelectorAsync("#consent-refused");
        Assert.StartsWith(System.Simulator.BaseAddress.ToString(), page.Url);
        var state = HttpUtility.ParseQueryString(new Uri(login.AuthorizeUrl.Split('#')[0]).Query)["state"];
        var items = await System.Database.QueryAsync(System.Database.InboxDatabase,
            "SELECT COUNT(*) AS n FROM inbox_items WHERE oauth_state = @s", ("@s", state));
        Assert.Equal(0L, Convert.ToInt64(items.Single()["n"], CultureInfo.InvariantCulture));
    }
}
