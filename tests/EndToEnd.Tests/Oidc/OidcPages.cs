using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Weixin.Inbox.CrmApp.Tests.ScanLogin;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Oidc;

/// <summary>
/// What a person does in Chromium on the sample app, WeChat's (the simulator's) authorize page and the provider's pages;
/// everything is found by what the page shows (texts, the QR code's pixels), as a person would.
/// </summary>
public static partial class OidcPages
{
    public static readonly PageWaitForURLOptions Slow = new() { Timeout = 45_000, WaitUntil = WaitUntilState.DOMContentLoaded };
    public static readonly LocatorWaitForOptions Visible = new() { State = WaitForSelectorState.Visible, Timeout = 45_000 };

    /// <summary>Opens the sample app signed out and presses 「微信登录」.</summary>
    public static async Task PressWeixinLoginAsync(IPage page, SampleAppProcess app)
    {
        await page.GotoAsync(app.BaseAddress.ToString());
        Assert.Contains(app.Title, await page.InnerTextAsync("#app-title"));
        Assert.Contains("微信登录", await page.InnerTextAsync("#weixin-login"));
        await page.ClickAsync("#weixin-login");
    }

    /// <summary>On WeChat's authorize page (reached through the provider and the gateway): picks the user and presses 「同意」.</summary>
    public static async Task AuthorizeAtWeixinAsync(IPage page, string openId)
    {
        await page.WaitForURLAsync("**/connect/oauth2/authorize?**", Slow);
        await page.CheckAsync($"input[name=sim_user][value='{openId}']");
        await page.ClickAsync("button.allow");
    }

    /// <summary>
    /// Waits for 「请在微信公众号对话中发送数字 NN 确认登录」 on the provider's page and sends NN from the user's WeChat in
    /// 安全模式; returns NN.
    /// </summary>
    public static async Task<string> ConfirmNumberAsync(IPage page, LoginSystem login, string openId, string? screenshot = null)
    {
        var code = page.Locator("#confirm-code");
        await code.WaitForAsync(Visible);
        var text = Whitespace().Replace(await code.InnerTextAsync(), " ");
        var match = NumberSentence().Match(text);
        Assert.True(match.Success, "the provider's confirmation says: " + text);
        if (screenshot is not null)
        {
            await Chromium.ScreenshotAsync(page, screenshot);
        }

        await login.SendAsUserAsync(openId, "text", match.Groups[1].Value, mode: "aes");
        return match.Groups[1].Value;
    }

    /// <summary>Waits for the consent page 「<paramref name="appName"/> 想使用你的微信身份登录」 and presses 「同意」 or 「拒绝」.</summary>
    public static async Task ConsentAsync(IPage page, string appName, bool allow, string? screenshot = null)
    {
        var question = page.GetByText("想使用你的微信身份登录");
        await question.First.WaitForAsync(Visible);
        Assert.Contains(appName + " 想使用你的微信身份登录", Whitespace().Replace(await page.InnerTextAsync("body"), " "));
        if (screenshot is not null)
        {
            await Chromium.ScreenshotAsync(page, screenshot);
        }

        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = allow ? "同意" : "拒绝", Exact = true }).ClickAsync();
    }

    /// <summary>Waits until the sample app shows its claims; answers them by type (the first value of each).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ClaimsAsync(IPage page, SampleAppProcess app, string? screenshot = null)
    {
        // Note: the element, not the URL, is waited for: the last hops (code → token → userinfo → "/") may commit before a
        // wait for the URL starts, and that wait then hangs on a load state that has come and gone.
        await page.Locator("#claims").WaitForAsync(Visible);
        Assert.Equal(app.BaseAddress.ToString(), page.Url);
        if (screenshot is not null)
        {
            await Chromium.ScreenshotAsync(page, screenshot);
        }

        var claims = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in await page.Locator("#claims tbody tr").AllAsync())
        {
            var type = (await row.Locator(".claim-type").InnerTextAsync()).Trim();
            claims.TryAdd(type, (await row.Locator(".claim-value").InnerTextAsync()).Trim());
        }

        Assert.True(await page.IsVisibleAsync("#logout"), "a signed-in page offers 「退出」");
        return claims;
    }

    /// <summary>Waits for the provider's desktop 扫码登录 QR code and reads it from a screenshot of it (pixels, not markup).</summary>
    public static Task<string> ReadQrAsync(IPage page) => QrPixels.ReadAsync(page, "#scan-qr");

    /// <summary>
    /// Every URL the page's top frame requests from now on, each hop of a redirect chain included (the provider's
    /// end-session endpoint, WeChat's authorize page: a redirect that passes through never commits a navigation).
    /// </summary>
    public static List<string> Track(IPage page)
    {
        var visited = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.IsNavigationRequest && request.Frame.ParentFrame is null)
            {
                lock (visited)
                {
                    visited.Add(request.Url);
                }
            }
        };
        return visited;
    }

    /// <summary>A pairwise or public <c>sub</c>: 20 bytes of HMAC in base64url.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{27}$")]
    public static partial Regex DerivedSubject();

    [GeneratedRegex("请在微信公众号对话中发送数字 ([0-9]{2}) 确认登录")]
    private static partial Regex NumberSentence();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
