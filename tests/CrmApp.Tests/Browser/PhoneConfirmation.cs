using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Browser;

/// <summary>
/// What a person does when the CRM asks for the number on a device new for their WeChat user: reads it on the page
/// (<c>#confirm-code</c>) and sends it in the 公众号 chat, a safe-mode text message; the page then goes on by itself.
/// </summary>
public static partial class PhoneConfirmation
{
    private static readonly PageWaitForURLOptions Slow = new() { Timeout = 30_000, WaitUntil = WaitUntilState.DOMContentLoaded };

    /// <summary>Waits for the confirmation page and answers the number it shows.</summary>
    public static async Task<string> ReadNumberAsync(IPage page)
    {
        await page.WaitForURLAsync("**/login/weixin/confirm", Slow);
        var text = Whitespace().Replace(await page.InnerTextAsync("#confirm-code"), " ");
        var match = Sentence().Match(text);
        Assert.True(match.Success, "the confirmation page says: " + text);
        Assert.Contains("这是你第一次在这台设备上用微信登录", await page.InnerTextAsync("#confirm-why"));
        return match.Groups[1].Value;
    }

    /// <summary>Reads the number and sends it from <paramref name="openId"/>'s WeChat; answers the number.</summary>
    public static async Task<string> ConfirmAsync(IPage page, CrmSystem system, string openId, string? screenshot = null)
    {
        var code = await ReadNumberAsync(page);
        if (screenshot is not null)
        {
            await Chromium.ScreenshotAsync(page, screenshot);
        }

        await system.Login.SendAsUserAsync(openId, "text", code, mode: "aes");
        return code;
    }

    [GeneratedRegex("请在微信公众号对话中发送数字 ([0-9]{2}) 确认登录")]
    private static partial Regex Sentence();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
