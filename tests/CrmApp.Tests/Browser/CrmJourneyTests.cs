using Microsoft.Playwright;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Browser;

/// <summary>
/// The three journeys an employee clicks through on a phone: first login binding an existing account, first login
/// creating an account, and a returning user going straight in. Screenshots: test-results/artifacts/screenshots/crm-*.png.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class CrmJourneyTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private static readonly PageWaitForURLOptions Slow = new() { Timeout = 30_000 };
    private CrmSystem System => fixture.System;

    private string At(string path) => new Uri(System.BaseAddress, path).AbsoluteUri;

    /// <summary>On the simulator's authorize page: pick the test user and press 「同意」.</summary>
    private static async Task ConsentAsync(IPage page, string openId)
    {
        // Note: DOMContentLoaded, not the load event: once seen (a CI run) the load event of the first page in a
        // fresh Chromium never fired within 30 s; the next step waits for its element anyway.
        await page.WaitForURLAsync("**/connect/oauth2/authorize?**", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await page.CheckAsync($"input[name=sim_user][value='{openId}']");
        await page.ClickAsync("button.allow");
    }

    [Fact]
    public async Task FirstLogin_BindExistingAccount_ClickedThroughOnPhone()
    {
        var openId = await System.AddWeixinUserAsync("陈小红");
        var userName = CrmSystem.NewUserName("chen");
        await System.CreateAccountAsync(userName, "陈红", Password);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPhoneAsync();

        await page.GotoAsync(At("/login"));
        Assert.Equal("登录 · 客户管理", await page.TitleAsync());
        await Chromium.ScreenshotAsync(page, "crm-01-login");

        // Note: a slow WeChat (3 s) keeps the browser on 「正在登录…」 long enough to photograph it.
        await System.Login.InjectCodeExchangeFaultAsync(errcode: 0, count: 1, delay: TimeSpan.FromSeconds(3));
        await page.ClickAsync("#weixin-login");
        await ConsentAsync(page, openId);
        await page.WaitForURLAsync("**/wx/wait/*");
        await page.WaitForSelectorAsync("#step-queued");
        Assert.Contains("正在登录", await page.TitleAsync());
        await Chromium.ScreenshotAsync(page, "crm-02-waiting");

        // A first bind on a new device: the number is asked before the bind page.
        await PhoneConfirmation.ConfirmAsync(page, System, openId, screenshot: "crm-02b-confirm-number");
        await page.WaitForURLAsync(At("/login/weixin/bind"), Slow);
        Assert.Equal("陈小红", await page.InnerTextAsync("#wx-nickname"));
        Assert.True(await page.IsVisibleAsync("#wx-avatar"));
        await page.FillAsync("#BindInput_UserName", userName);
        await page.FillAsync("#BindInput_Password", "WrongPass1");
        await page.ClickAsync("#bind-submit");
        Assert.Contains("用户名或密码错误", await page.InnerTextAsync("#bind-error"));
        await page.FillAsync("#BindInput_Password", Password);
        await Chromium.ScreenshotAsync(page, "crm-03-bind");
        await page.ClickAsync("#bind-submit");

        await page.WaitForURLAsync(At("/customers"));
        Assert.Contains("陈红，您好", await page.InnerTextAsync("#welcome"));
        Assert.True(await page.Locator("#customers li").CountAsync() >= 10);
        await AssertFitsPhoneAsync(page);
        await Chromium.ScreenshotAsync(page, "crm-05-home");

        await page.ClickAsync("#nav-account");
        Assert.Contains("已绑定微信「陈小红」", await page.InnerTextAsync("#weixin-status"));
    }

    [Fact]
    public async Task FirstLogin_CreateNewAccount_ClickedThroughOnPhone()
    {
        var openId = await System.AddWeixinUserAsync("林新人");
        var userName = CrmSystem.NewUserName("lin");
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPhoneAsync();

        await page.GotoAsync(At("/login"));
        await page.ClickAsync("#weixin-login");
        await ConsentAsync(page, openId);
        await PhoneConfirmation.ConfirmAsync(page, System, openId);
        await page.WaitForURLAsync(At("/login/weixin/bind"), Slow);

        await page.ClickAsync("#tab-create");
        await page.WaitForSelectorAsync("#create-form");
        Assert.Equal("林新人", await page.InputValueAsync("#CreateInput_DisplayName"));
        Assert.Contains("密码至少 8 位", await page.InnerTextAsync("#password-rules"));
        await page.FillAsync("#CreateInput_DisplayName", "林小新");
        await page.FillAsync("#CreateInput_UserName", userName);
        await page.FillAsync("#CreateInput_Password", "abc");
        await page.FillAsync("#CreateInput_ConfirmPassword", "abc");
        await page.ClickAsync("#create-submit");
        Assert.Contains("密码太短", await page.InnerTextAsync("#create-form"));
        await page.FillAsync("#CreateInput_Password", Password);
        await page.FillAsync("#CreateInput_ConfirmPassword", Password);
        await Chromium.ScreenshotAsync(page, "crm-04-create");
        await page.ClickAsync("#create-submit");

        // Note: Accounts:SelfRegistration defaults to approval (RoleTests follows the approval through 用户管理).
        await page.WaitForURLAsync(At("/pending"));
        Assert.Contains("林小新", await page.InnerTextAsync("#pending"));
        Assert.Contains("等待管理员审核", await page.InnerTextAsync("#pending-title"));
        var row = (await System.QueryAsync("SELECT weixin_open_id FROM accounts WHERE user_name = @u", ("@u", userName))).Single();
        Assert.Equal(openId, row["weixin_open_id"]);
    }

    [Fact]
    public async Task ReturningUser_OneTapStraightIn_ClickedThroughOnPhone()
    {
        var openId = await System.AddWeixinUserAsync("老用户");
        await System.CreateAccountAsync(CrmSystem.NewUserName("old"), "郭老", Password, weixinOpenId: openId);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPhoneAsync();
        var visited = new List<string>();
        page.FrameNavigated += (_, frame) => { if (frame.ParentFrame is null) { visited.Add(frame.Url); } };

        // The 公众号 menu opens /customers/…; inside WeChat the CRM goes straight to the WeChat login and comes back there.
        await page.GotoAsync(At("/customers?q=%E5%BC%A0"), new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await ConsentAsync(page, openId);
        // Note: a fresh browser is a device new for this WeChat user: the number once (NewDeviceTests covers the rest).
        await PhoneConfirmation.ConfirmAsync(page, System, openId);
        Assert.DoesNotContain(visited, url => url.StartsWith(At("/login?"), StringComparison.Ordinal));
        await page.WaitForURLAsync(At("/customers?q=%E5%BC%A0"), Slow);

        Assert.Contains("郭老，您好", await page.InnerTextAsync("#welcome"));
        Assert.Contains("张伟", await page.InnerTextAsync("#customers"));
        Assert.DoesNotContain(visited, url => url.Contains("/login/weixin/bind", StringComparison.Ordinal));
        await Chromium.ScreenshotAsync(page, "crm-06-returning-home");

        // A customer page with its follow-up notes, as the user would go on.
        await page.ClickAsync("#customers li:first-child a");
        await page.FillAsync("#Note_Content", "微信里回访：客户确认下周签约。");
        await page.ClickAsync("#add-note");
        await page.WaitForSelectorAsync("text=微信里回访：客户确认下周签约。");
        Assert.Contains("郭老", await page.InnerTextAsync("#notes"));
        await Chromium.ScreenshotAsync(page, "crm-07-customer");
    }

    [Fact]
    public async Task RefusedConsent_StaysOnWeixin_ThenWeixinLoginAgainWorks_OnPhone()
    {
        var openId = await System.AddWeixinUserAsync("点了拒绝");
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPhoneAsync();

        await page.GotoAsync(At("/login"));
        await page.ClickAsync("#weixin-login");
        // Note: DOMContentLoaded, not the load event: once seen (a CI run) the load event of the first page in a
        // fresh Chromium never fired within 30 s; the next step waits for its element anyway.
        await page.WaitForURLAsync("**/connect/oauth2/authorize?**", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await page.CheckAsync($"input[name=sim_user][value='{openId}']");
        await page.ClickAsync("button.deny");

        // Today's WeChat keeps the user on its page after 「拒绝」: nothing comes back to the CRM.
        await page.WaitForSelectorAsync("#consent-refused");
        await Chromium.ScreenshotAsync(page, "crm-08-consent-refused");

        // The user opens the CRM again and taps 「微信登录」: a fresh login, which goes through.
        await page.GotoAsync(At("/login"));
        await page.ClickAsync("#weixin-login");
        await page.WaitForURLAsync("**/connect/oauth2/authorize?**", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await page.CheckAsync($"input[name=sim_user][value='{openId}']");
        await page.ClickAsync("button.allow");
        await PhoneConfirmation.ConfirmAsync(page, System, openId);
        await page.WaitForURLAsync(At("/login/weixin/bind"), Slow);
        Assert.Contains("点了拒绝", await page.InnerTextAsync("#wx-nickname"));
    }

    /// <summary>Nothing wider than the phone: no sideways scrolling.</summary>
    private static async Task AssertFitsPhoneAsync(IPage page)
    {
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"page is {width}px wide on a 390px screen");
    }
}
