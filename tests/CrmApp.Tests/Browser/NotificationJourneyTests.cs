using System.Globalization;
using Microsoft.Playwright;
using Weixin.Inbox.Testing;
using static Weixin.Inbox.CrmApp.Tests.Notifications.NotificationScenario;

namespace Weixin.Inbox.CrmApp.Tests.Browser;

/// <summary>
/// Push messages clicked through on a phone inside WeChat: a reminder set on a customer page arrives as a template
/// message, its link opens the customer through the WeChat login, and 「微信通知」 shows it delivered; then
/// 「发送微信通知」 with a validation error first. Screenshots: test-results/artifacts/screenshots/crm-1x-*.png.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class NotificationJourneyTests(CrmFixture fixture)
{
    private static readonly PageWaitForURLOptions Slow = new() { Timeout = 30_000 };
    private CrmSystem System => fixture.System;

    private string At(string path) => new Uri(System.BaseAddress, path).AbsoluteUri;

    /// <summary>On the simulator's authorize page: pick the test user and press 「同意」.</summary>
    private static async Task ConsentAsync(IPage page, string openId)
    {
        await page.WaitForURLAsync("**/connect/oauth2/authorize?**", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await page.CheckAsync($"input[name=sim_user][value='{openId}']");
        await page.ClickAsync("button.allow");
    }

    [Fact]
    public async Task Reminder_ArrivesOnWeixin_LinkOpensCustomerThroughWeixinLogin_ClickedThroughOnPhone()
    {
        var bossOpenId = await System.AddWeixinUserAsync("卫经理");
        await System.CreateAccountAsync(CrmSystem.NewUserName("boss"), "卫经理", Password, weixinOpenId: bossOpenId);
        using var assignee = await BoundEmployeeAsync(System, "蒋销售");
        var customerName = "手机客户" + Guid.NewGuid().ToString("N")[..4];
        var customerId = await CustomerAsync(System, customerName, "云端物流有限公司");
        var note = "电话回访报价 " + Guid.NewGuid().ToString("N")[..4];
        await using var chromium = await Chromium.LaunchAsync();

        // The boss opens the customer inside WeChat: the WeChat login, then straight back to the customer.
        var boss = await chromium.NewPhoneAsync();
        await boss.GotoAsync(At($"/customers/{customerId}"), new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await ConsentAsync(boss, bossOpenId);
        await PhoneConfirmation.ConfirmAsync(boss, System, bossOpenId); // a fresh browser: a new device for the boss
        await boss.WaitForURLAsync(At($"/customers/{customerId}"), Slow);
        Assert.Equal(customerName, await boss.InnerTextAsync("#customer-name"));

        // Due now (the input has minute precision, so this minute is already due).
        await boss.FillAsync("#Reminder_DueAt", DateTime.UtcNow.AddHours(8).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await boss.SelectOptionAsync("#Reminder_AssigneeId", assignee.AccountId.ToString(CultureInfo.InvariantCulture));
        await boss.FillAsync("#Reminder_Note", note);
        await Chromium.ScreenshotAsync(boss, "crm-11-reminder-form");
        await boss.ClickAsync("#add-reminder");
        await NoticeAsync(boss);
        Assert.Contains(note, await boss.InnerTextAsync("#reminder-list"));
        await Chromium.ScreenshotAsync(boss, "crm-11-reminder-added"); // with 「刷新状态」 while it is not yet sent
        await AssertFitsPhoneAsync(boss);

        // The assignee's WeChat gets the template message; its link opens the customer through the WeChat login.
        var message = await ReceivedAsync(System, assignee.OpenId, note);
        var link = message.GetProperty("url").GetString()!;
        Assert.Equal(At($"/customers/{customerId}"), link);
        var phone = await chromium.NewPhoneAsync();
        await phone.GotoAsync(link, new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await ConsentAsync(phone, assignee.OpenId);
        await PhoneConfirmation.ConfirmAsync(phone, System, assignee.OpenId);
        await phone.WaitForURLAsync(link, Slow);
        Assert.Equal(customerName, await phone.InnerTextAsync("#customer-name"));
        await RefreshUntilAsync(phone, "#reminder-list", "已提醒");
        await Chromium.ScreenshotAsync(phone, "crm-12-reminder-link-customer");

        await phone.ClickAsync("#nav-notifications");
        await phone.WaitForURLAsync(At("/notifications"));
        var row = phone.Locator("li.notification", new PageLocatorOptions { HasText = note });
        Assert.Equal("已送达", await row.Locator(".status").InnerTextAsync());
        Assert.Contains("发给 蒋销售", await row.InnerTextAsync());
        await AssertFitsPhoneAsync(phone);
        await Chromium.ScreenshotAsync(phone, "crm-13-notifications");

        // 「发送微信通知」: an empty text first, then a real one.
        await boss.SelectOptionAsync("#Notify_RecipientId", assignee.AccountId.ToString(CultureInfo.InvariantCulture));
        await boss.ClickAsync("#send-notify");
        await boss.WaitForSelectorAsync("text=请填写通知内容。");
        await Chromium.ScreenshotAsync(boss, "crm-14-notify-error");
        var text = "客户刚来电，请回电 " + Guid.NewGuid().ToString("N")[..4];
        await boss.FillAsync("#Notify_Text", text);
        await boss.ClickAsync("#send-notify");
        await NoticeAsync(boss);
        Assert.Contains("已发送微信通知给 蒋销售", await boss.InnerTextAsync("#notice"));
        await Chromium.ScreenshotAsync(boss, "crm-15-notify-sent");
        await ReceivedAsync(System, assignee.OpenId, text);
    }

    /// <summary>Presses 「刷新状态」 until the element shows the text (statuses move on in the background; viewing does not ask).</summary>
    private static async Task RefreshUntilAsync(IPage page, string selector, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await page.InnerTextAsync(selector)).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{selector} never showed 「{text}」: {await page.InnerTextAsync(selector)}");
            await Task.Delay(500);
            // Note: the mark goes with the old document, so its absence means the page after the refresh is there.
            await page.EvaluateAsync("() => window.beforeRefresh = true");
            await page.ClickAsync("#refresh-reminders");
            await page.WaitForFunctionAsync("() => !window.beforeRefresh && document.readyState !== 'loading'");
        }
    }

    /// <summary>
    /// Waits for the 「已添加…」/「已发送…」 notice after a form was posted; when none comes, the failure says which page
    /// the browser is on and what it shows (a validation error, a login page), not only that a selector timed out.
    /// </summary>
    private static async Task NoticeAsync(IPage page)
    {
        try
        {
            await page.WaitForSelectorAsync("#notice", new PageWaitForSelectorOptions { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            var shown = await page.EvaluateAsync<string>("() => document.body ? document.body.innerText : ''");
            Assert.Fail($"no #notice after posting the form; the browser is on {page.Url} showing: {shown[..Math.Min(shown.Length, 800)]}");
        }
    }

    /// <summary>Nothing wider than the phone: no sideways scrolling.</summary>
    private static async Task AssertFitsPhoneAsync(IPage page)
    {
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"page is {width}px wide on a 390px screen");
    }
}
