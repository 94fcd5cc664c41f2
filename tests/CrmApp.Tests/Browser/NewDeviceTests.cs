using System.Globalization;
using System.Net;
using System.Web;
using Microsoft.Playwright;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Browser;

/// <summary>
/// Phone WeChat logins on a device new for that WeChat user are confirmed with the two-digit number sent in the 公众号
/// chat (<c>Login:ConfirmNewDevice</c>, on by default); known devices go straight in; 「我的」 lists and removes devices;
/// and the issue-12 attack (one user's OAuth code filed under another browser's state) signs nobody in.
/// Each Chromium context is one device. Screenshots: test-results/artifacts/screenshots/crm-2*.png.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class NewDeviceTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private static readonly PageWaitForURLOptions Slow = new() { Timeout = 30_000 };
    private CrmSystem System => fixture.System;

    private string At(string path) => new Uri(System.BaseAddress, path).AbsoluteUri;

    [Fact]
    public async Task Phone_KnownDeviceGoesStraightIn_NewDeviceIsAskedOnce()
    {
        var openId = await System.AddWeixinUserAsync("常用手机");
        var accountId = await System.CreateAccountAsync(CrmSystem.NewUserName("dev"), "钱常用", Password, weixinOpenId: openId);
        await using var chromium = await Chromium.LaunchAsync();
        var phone = await chromium.NewPhoneAsync();
        var visited = Track(phone);

        // First WeChat login on this phone: the number, once.
        await StartWeixinLoginAsync(phone, openId);
        await PhoneConfirmation.ConfirmAsync(phone, System, openId, screenshot: "crm-20-new-device-number");
        await phone.WaitForURLAsync(At("/customers"), Slow);
        Assert.Contains("钱常用，您好", await phone.InnerTextAsync("#welcome"));

        var cookie = Assert.Single(await phone.Context.CookiesAsync(), c => c.Name == "crm_device");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);
        Assert.Equal("/", cookie.Path);
        Assert.True(DateTimeOffset.FromUnixTimeSeconds((long)cookie.Expires) > DateTimeOffset.UtcNow.AddDays(390), "the device cookie lasts 400 days");

        // 「我的」 lists it as the current device.
        await phone.ClickAsync("#nav-account");
        await phone.WaitForURLAsync(At("/account"));
        Assert.Contains("iPhone 微信", await phone.InnerTextAsync("#device-list"));
        Assert.Equal(1, await phone.Locator("#device-list .current-device").CountAsync());
        await Chromium.ScreenshotAsync(phone, "crm-21-my-devices");

        // Signed out and in again on the same phone: one tap, no number.
        await LogoutAsync(phone);
        visited.Clear();
        await StartWeixinLoginAsync(phone, openId);
        await phone.WaitForURLAsync(At("/customers"), Slow);
        Assert.DoesNotContain(visited, url => url.Contains("/login/weixin/confirm", StringComparison.Ordinal));

        // Another phone (a fresh browser) is a new device: asked once, then straight in there too.
        var second = await chromium.NewPhoneAsync();
        var visitedSecond = Track(second);
        await StartWeixinLoginAsync(second, openId);
        await PhoneConfirmation.ConfirmAsync(second, System, openId);
        await second.WaitForURLAsync(At("/customers"), Slow);
        await LogoutAsync(second);
        visitedSecond.Clear();
        await StartWeixinLoginAsync(second, openId);
        await second.WaitForURLAsync(At("/customers"), Slow);
        Assert.DoesNotContain(visitedSecond, url => url.Contains("/login/weixin/confirm", StringComparison.Ordinal));

        // Stored: one row per device, the SHA-256 of the device id only (never the cookie's content).
        var rows = await DevicesAsync(accountId);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Matches("^[0-9a-f]{64}$", (string)r["device_hash"]!));
        Assert.All(rows, r => Assert.Equal("iPhone 微信", r["label"]));
    }

    [Fact]
    public async Task Phone_FirstTimeBind_AsksTheNumberBeforeTheBindPage()
    {
        var openId = await System.AddWeixinUserAsync("首次绑定");
        var userName = CrmSystem.NewUserName("fb");
        var accountId = await System.CreateAccountAsync(userName, "孔首次", Password);
        await using var chromium = await Chromium.LaunchAsync();
        var phone = await chromium.NewPhoneAsync();
        var visited = Track(phone);

        await StartWeixinLoginAsync(phone, openId);
        await PhoneConfirmation.ReadNumberAsync(phone);
        Assert.DoesNotContain(visited, url => url.Contains("/login/weixin/bind", StringComparison.Ordinal));
        // Nothing to bind before the number: the identity is not handed out yet.
        var early = await phone.Context.APIRequest.GetAsync(At("/login/weixin/bind"), new APIRequestContextOptions { MaxRedirects = 0 });
        Assert.Equal("/login?err=bind_expired", early.Headers["location"]);
        await early.DisposeAsync();

        await PhoneConfirmation.ConfirmAsync(phone, System, openId);
        await phone.WaitForURLAsync(At("/login/weixin/bind"), Slow);
        await phone.FillAsync("#BindInput_UserName", userName);
        await phone.FillAsync("#BindInput_Password", Password);
        await phone.ClickAsync("#bind-submit");
        await phone.WaitForURLAsync(At("/customers"), Slow);
        Assert.Single(await DevicesAsync(accountId));

        // The bind made this phone known: the next login goes straight in.
        await LogoutAsync(phone);
        visited.Clear();
        await StartWeixinLoginAsync(phone, openId);
        await phone.WaitForURLAsync(At("/customers"), Slow);
        Assert.DoesNotContain(visited, url => url.Contains("/login/weixin/confirm", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Account_RemoveDevice_NextLoginOnItAsksAgain_AndOnlyOwnDevicesCanBeRemoved()
    {
        var openId = await System.AddWeixinUserAsync("移除设备");
        var accountId = await System.CreateAccountAsync(CrmSystem.NewUserName("rm"), "褚移除", Password, weixinOpenId: openId);
        await using var chromium = await Chromium.LaunchAsync();
        var phone = await chromium.NewPhoneAsync();
        await StartWeixinLoginAsync(phone, openId);
        await PhoneConfirmation.ConfirmAsync(phone, System, openId);
        await phone.WaitForURLAsync(At("/customers"), Slow);

        await phone.GotoAsync(At("/account"));
        await phone.ClickAsync("#device-list li:has(.current-device) .remove-device");
        await phone.WaitForSelectorAsync("#notice");
        Assert.Contains("已移除该设备", await phone.InnerTextAsync("#notice"));
        Assert.True(await phone.IsVisibleAsync("#no-devices"));
        await Chromium.ScreenshotAsync(phone, "crm-22-device-removed");
        Assert.Empty(await DevicesAsync(accountId));

        // The next WeChat login on this phone asks for the number again.
        await LogoutAsync(phone);
        await StartWeixinLoginAsync(phone, openId);
        await PhoneConfirmation.ConfirmAsync(phone, System, openId);
        await phone.WaitForURLAsync(At("/customers"), Slow);
        var deviceId = Convert.ToInt64(Assert.Single(await DevicesAsync(accountId))["id"], CultureInfo.InvariantCulture);

        // Another account cannot remove it (the id of someone else's device changes nothing).
        var otherUser = CrmSystem.NewUserName("oth");
        await System.CreateAccountAsync(otherUser, "别人", Password);
        using var other = new CrmBrowser(System, UserAgents.DesktopChrome);
        await other.SignInWithPasswordAsync(otherUser, Password);
        using var refused = await other.PostFormAsync("/account", "/account?handler=RemoveDevice",
            new Dictionary<string, string> { ["deviceId"] = deviceId.ToString(CultureInfo.InvariantCulture) });
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Single(await DevicesAsync(accountId));
        // Note: a password sign-in does not make a device known for WeChat (it does not prove the WeChat identity).
        var otherId = Convert.ToInt32((await System.QueryAsync("SELECT id FROM accounts WHERE user_name = @u", ("@u", otherUser))).Single()["id"], CultureInfo.InvariantCulture);
        Assert.Empty(await DevicesAsync(otherId));
    }

    /// <summary>
    /// Issue 12's attack: WeChat codes are not bound to the browser (no PKCE), so a malicious public inbox can file the
    /// code of user V under the <c>state</c> of a login started by browser A. A's browser then redeems a ticket for V;
    /// the CRM must not sign A in as V: A's browser is a device new for V, so the number is asked, and V never sends it.
    /// </summary>
    [Fact]
    public async Task Security_CodeFiledUnderAnotherState_DoesNotSignIn()
    {
        var victim = await System.AddWeixinUserAsync("被冒用的人");
        var victimAccount = await System.CreateAccountAsync(CrmSystem.NewUserName("vic"), "受害人", Password, weixinOpenId: victim);
        await using var chromium = await Chromium.LaunchAsync();

        // Browser A starts a WeChat login in the LAN; its state is in WeChat's authorize URL.
        var attacker = await chromium.NewPhoneAsync();
        await attacker.GotoAsync(At("/login/weixin"), new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await attacker.WaitForURLAsync("**/connect/oauth2/authorize?**", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        var attackerState = HttpUtility.ParseQueryString(new Uri(attacker.Url.Split('#')[0]).Query)["state"];
        Assert.False(string.IsNullOrEmpty(attackerState));

        // V authorizes a login of V's own; the malicious inbox keeps V's code and files it under A's state.
        using var victimPhone = new CrmBrowser(System);
        using var victimStart = await victimPhone.GetAsync("/login/weixin");
        var victimCallback = await victimPhone.AuthorizeAsync(victimStart.Headers.Location!.ToString(), victim);
        var query = HttpUtility.ParseQueryString(victimCallback.Query);
        Assert.False(string.IsNullOrEmpty(query["code"]));
        Assert.NotEqual(attackerState, query["state"]);
        query["state"] = attackerState;
        var forged = new UriBuilder(victimCallback) { Query = query.ToString() }.Uri;

        // A's browser follows the inbox's wait page with V's code: the gateway vouches for V, but the CRM asks the
        // number, because A's browser is a device new for V.
        await attacker.GotoAsync(forged.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        var code = await PhoneConfirmation.ReadNumberAsync(attacker);
        await Chromium.ScreenshotAsync(attacker, "crm-23-attack-asks-number");
        Assert.False(await IsSignedInAsync(attacker));

        // V never sends A's number; V's wrong numbers (three) cancel the login, as would the two-minute window.
        var number = int.Parse(code, CultureInfo.InvariantCulture);
        for (var i = 1; i <= 3; i++)
        {
            await System.Login.SendAsUserAsync(victim, "text", ((number + i) % 100).ToString("D2", CultureInfo.InvariantCulture), mode: "aes");
        }

        await attacker.WaitForSelectorAsync("#confirm-message", new PageWaitForSelectorOptions { State = WaitForSelectorState.Visible, Timeout = 30_000 });
        Assert.Contains("本次登录已取消（数字三次不对", await attacker.InnerTextAsync("#confirm-message"));
        Assert.Equal("/login/weixin", await attacker.GetAttributeAsync("#confirm-failed #relogin", "href"));
        await Chromium.ScreenshotAsync(attacker, "crm-24-attack-cancelled");

        // A is not signed in, and nothing about V's account moved.
        Assert.False(await IsSignedInAsync(attacker));
        await attacker.GotoAsync(At("/customers"), new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        Assert.False(attacker.Url.StartsWith(At("/customers"), StringComparison.Ordinal), "A reached /customers: " + attacker.Url);
        var row = (await System.QueryAsync("SELECT last_login_at FROM accounts WHERE id = @id", ("@id", victimAccount))).Single();
        Assert.Null(row["last_login_at"]);
        Assert.Empty(await DevicesAsync(victimAccount));
    }

    /// <summary>From the CRM's login page, 「微信登录」 and 「同意」 on WeChat's authorize page.</summary>
    private async Task StartWeixinLoginAsync(IPage page, string openId)
    {
        await page.GotoAsync(At("/login"));
        await page.ClickAsync("#weixin-login");
        // Note: DOMContentLoaded, not the load event (see CrmJourneyTests).
        await page.WaitForURLAsync("**/connect/oauth2/authorize?**", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await page.CheckAsync($"input[name=sim_user][value='{openId}']");
        await page.ClickAsync("button.allow");
    }

    private async Task LogoutAsync(IPage page)
    {
        await page.ClickAsync("#logout");
        await page.WaitForURLAsync(url => url.StartsWith(At("/login"), StringComparison.Ordinal));
        Assert.False(await IsSignedInAsync(page));
    }

    /// <summary>Asks <c>/account</c> with the page's cookies, redirects not followed: 200 only when signed in.</summary>
    private async Task<bool> IsSignedInAsync(IPage page)
    {
        var response = await page.Context.APIRequest.GetAsync(At("/account"), new APIRequestContextOptions { MaxRedirects = 0 });
        try
        {
            if (response.Status == 200)
            {
                return true;
            }

            Assert.Equal(302, response.Status);
            Assert.StartsWith("/login", response.Headers["location"]);
            return false;
        }
        finally
        {
            await response.DisposeAsync();
        }
    }

    private Task<List<Dictionary<string, object?>>> DevicesAsync(int accountId) =>
        System.QueryAsync("SELECT id, device_hash, label FROM account_devices WHERE account_id = @a ORDER BY id", ("@a", accountId));

    private static List<string> Track(IPage page)
    {
        var visited = new List<string>();
        page.FrameNavigated += (_, frame) =>
        {
            if (frame.ParentFrame is null)
            {
                lock (visited)
                {
                    visited.Add(frame.Url);
                }
            }
        };
        return visited;
    }
}
