using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.ScanLogin;

/// <summary>
/// Desktop 扫码登录 clicked through in Chromium (a desktop Chrome, outside WeChat): the QR code is read back from the
/// screenshot's pixels, the simulated phone scans it, and the number shown on the desktop is sent in the 公众号 chat
/// in safe mode. Screenshots: test-results/artifacts/screenshots/crm-scan-*.png.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed partial class DesktopScanLoginTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private static readonly PageWaitForURLOptions Slow = new() { Timeout = 30_000 };
    private static readonly LocatorWaitForOptions Visible = new() { State = WaitForSelectorState.Visible, Timeout = 30_000 };
    private CrmSystem System => fixture.System;

    private string At(string path) => new Uri(System.BaseAddress, path).AbsoluteUri;

    [Fact]
    public async Task BoundUser_ScansAndSendsTheNumber_DesktopSignedInOnItsReturnPage()
    {
        var openId = await System.AddWeixinUserAsync("扫码老周");
        await System.CreateAccountAsync(CrmSystem.NewUserName("zhou"), "周扫码", Password, weixinOpenId: openId);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewDesktopAsync();

        await page.GotoAsync(At("/login?returnUrl=%2Fcustomers%3Fq%3D%E5%BC%A0"));
        Assert.Contains("请用微信扫一扫", await page.InnerTextAsync("#scan-login"));
        Assert.True(await page.IsVisibleAsync("#password-login")); // the password stays below
        var qr = await ReadQrAsync(page);
        Assert.Matches(@"^二维码 [45]:\d\d 后过期$", await page.InnerTextAsync("#scan-countdown"));
        await Chromium.ScreenshotAsync(page, "crm-scan-01-qr");

        var scan = await ScanAsync(openId, qr);
        Assert.Contains("请在电脑上查看两位数字", scan);
        var code = await ConfirmCodeAsync(page);
        await Chromium.ScreenshotAsync(page, "crm-scan-02-number");

        var reply = await System.Login.SendAsUserAsync(openId, "text", code, mode: "aes");
        Assert.Equal("已确认，电脑将自动登录", reply.Reply);

        await page.WaitForURLAsync(At("/customers?q=%E5%BC%A0"), Slow);
        Assert.Contains("周扫码，您好", await page.InnerTextAsync("#welcome"));
        Assert.Contains("张伟", await page.InnerTextAsync("#customers"));
        await Chromium.ScreenshotAsync(page, "crm-scan-03-signed-in");
    }

    [Fact]
    public async Task NewUser_ScansAndSendsTheNumber_EndsOnTheBindPage()
    {
        var openId = await System.AddWeixinUserAsync("扫码新人");
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewDesktopAsync();

        await page.GotoAsync(At("/login"));
        await ScanAsync(openId, await ReadQrAsync(page));
        var code = await ConfirmCodeAsync(page);
        await System.Login.SendAsUserAsync(openId, "text", code, mode: "aes");

        await page.WaitForURLAsync(At("/login/weixin/bind"), Slow);
        Assert.Contains("绑定已有账号", await page.TitleAsync());
        await Chromium.ScreenshotAsync(page, "crm-scan-04-bind");

        // The desktop binds an existing account like the phone does, and is signed in.
        var userName = CrmSystem.NewUserName("xin");
        await System.CreateAccountAsync(userName, "郑新人", Password);
        await page.FillAsync("#BindInput_UserName", userName);
        await page.FillAsync("#BindInput_Password", Password);
        await page.ClickAsync("#bind-submit");
        await page.WaitForURLAsync(At("/customers"), Slow);
        Assert.Contains("郑新人，您好", await page.InnerTextAsync("#welcome"));
        var row = (await System.QueryAsync("SELECT weixin_open_id FROM accounts WHERE user_name = @u", ("@u", userName))).Single();
        Assert.Equal(openId, row["weixin_open_id"]);
    }

    [Fact]
    public async Task WrongNumberThreeTimes_Cancelled_ThenRefreshGivesANewCodeThatSignsIn()
    {
        var openId = await System.AddWeixinUserAsync("数字输错");
        await System.CreateAccountAsync(CrmSystem.NewUserName("cuo"), "吴输错", Password, weixinOpenId: openId);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewDesktopAsync();

        await page.GotoAsync(At("/login"));
        var first = await ReadQrAsync(page);
        await ScanAsync(openId, first);
        var code = await ConfirmCodeAsync(page);
        var wrong = (((int.Parse(code, CultureInfo.InvariantCulture) + 1) % 90) + 10).ToString(CultureInfo.InvariantCulture);
        Assert.NotEqual(code, wrong);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var reply = await System.Login.SendAsUserAsync(openId, "text", wrong, mode: "aes");
            Assert.Equal(attempt < 3 ? "数字不对，请核对电脑上显示的两位数字" : "已取消本次登录，请在电脑上刷新二维码", reply.Reply);
        }

        await page.Locator("#scan-message").WaitForAsync(Visible);
        Assert.Contains("本次登录已取消（数字三次不对", await page.InnerTextAsync("#scan-message"));
        Assert.False(await page.IsVisibleAsync("#confirm-code"));
        await Chromium.ScreenshotAsync(page, "crm-scan-05-cancelled");

        // 「刷新二维码」: a new scan login with a different code; the user scans it and this time sends the right number.
        var oldSrc = await page.GetAttributeAsync("#scan-qr", "src");
        await page.ClickAsync("#scan-refresh");
        await page.WaitForFunctionAsync("old => { const img = document.getElementById('scan-qr'); return !img.hidden && img.src && img.src !== old; }", oldSrc);
        Assert.False(await page.IsVisibleAsync("#scan-message"));
        var second = await ReadQrAsync(page);
        Assert.NotEqual(first, second);
        await Chromium.ScreenshotAsync(page, "crm-scan-06-refreshed");

        await ScanAsync(openId, second);
        var secondCode = await ConfirmCodeAsync(page);
        await System.Login.SendAsUserAsync(openId, "text", secondCode, mode: "aes");
        await page.WaitForURLAsync(At("/customers"), Slow);
        Assert.Contains("吴输错，您好", await page.InnerTextAsync("#welcome"));
    }

    [Fact]
    public async Task CountdownReachesZero_ShowsExpiredWithoutWaitingForTheServer_AndRefreshStartsOver()
    {
        // Note: the gateway's QR codes live 300 s (a constant), too long to wait for; the page's clock is moved instead
        // (Playwright's fake timers), which is what this checks: the page gives up at 0 on its own countdown.
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewDesktopAsync();
        await page.Clock.InstallAsync();

        await page.GotoAsync(At("/login"));
        var before = await ReadQrAsync(page);
        await page.Clock.FastForwardAsync("05:01");

        await page.Locator("#scan-message").WaitForAsync(Visible);
        Assert.Contains("二维码已过期", await page.InnerTextAsync("#scan-message"));
        Assert.Equal("", (await page.InnerTextAsync("#scan-countdown")).Trim());
        await Chromium.ScreenshotAsync(page, "crm-scan-07-expired");

        await page.ClickAsync("#scan-refresh");
        await page.Locator("#scan-message").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Hidden });
        Assert.NotEqual(before, await ReadQrAsync(page));
        Assert.Matches(@"^二维码 [45]:\d\d 后过期$", await page.InnerTextAsync("#scan-countdown"));
    }

    [Fact]
    public async Task GatewayDown_SaysSoInsteadOfACode_AndThePasswordStillSignsIn()
    {
        var userName = CrmSystem.NewUserName("wang");
        await System.CreateAccountAsync(userName, "王密码", Password);
        // Note: another CRM instance whose gateway address answers nothing (a free port nobody listens on).
        await using var cut = await System.StartAnotherInstanceAsync("crm-no-gateway", new Dictionary<string, string>
        {
            ["Gateway__BaseUrl"] = $"http://127.0.0.1:{TestEnvironment.FreePort()}",
        });
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewDesktopAsync();

        await page.GotoAsync(new Uri(cut.BaseAddress, "/login").AbsoluteUri);
        await page.Locator("#scan-message").WaitForAsync(Visible);
        Assert.Contains("内网微信网关暂时不可用", await page.InnerTextAsync("#scan-message"));
        Assert.False(await page.IsVisibleAsync("#scan-qr"));
        Assert.True(await page.IsVisibleAsync("#scan-refresh"));
        await Chromium.ScreenshotAsync(page, "crm-scan-08-gateway-down");

        await page.FillAsync("#Input_UserName", userName);
        await page.FillAsync("#Input_Password", Password);
        await page.ClickAsync("#password-login");
        await page.WaitForURLAsync(new Uri(cut.BaseAddress, "/customers").AbsoluteUri, Slow);
        Assert.Contains("王密码，您好", await page.InnerTextAsync("#welcome"));
    }

    /// <summary>Waits for the QR code and reads it from a screenshot of its element (pixels, not markup).</summary>
    private static Task<string> ReadQrAsync(IPage page) => QrPixels.ReadAsync(page, "#scan-qr");

    /// <summary>Waits for 「请在微信公众号对话中发送数字 NN 确认登录」 and returns NN.</summary>
    private static async Task<string> ConfirmCodeAsync(IPage page)
    {
        await page.Locator("#confirm-code").WaitForAsync(Visible);
        var text = await page.InnerTextAsync("#confirm-code");
        var match = ConfirmText().Match(text);
        Assert.True(match.Success, "unexpected confirmation text: " + text);
        return match.Groups[1].Value;
    }

    /// <summary>The simulated phone scans <paramref name="url"/> (safe mode); returns the 公众号's passive reply.</summary>
    private async Task<string> ScanAsync(string openId, string url)
    {
        using var http = new HttpClient { BaseAddress = System.Login.Simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.PostAsJsonAsync($"/sim/users/{Uri.EscapeDataString(openId)}/scan", new { url, mode = "aes" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"the simulator refused the scan ({(int)response.StatusCode}): {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("reply").GetString() ?? "";
    }

    [GeneratedRegex(@"请在微信公众号对话中发送数字 (\d{2}) 确认登录")]
    private static partial Regex ConfirmText();
}
