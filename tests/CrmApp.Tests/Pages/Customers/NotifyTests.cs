using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Weixin.Inbox.Testing;
using static Weixin.Inbox.CrmApp.Tests.Notifications.NotificationScenario;

namespace Weixin.Inbox.CrmApp.Tests.Pages.Customers;

/// <summary>「发送微信通知」 on a customer page: a short text to a colleague's bound WeChat, now.</summary>
[Collection(CrmCollection.Name)]
public sealed class NotifyTests(CrmFixture fixture)
{
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task Notify_BoundColleague_ReceivesTextOnWeixin_AndListShowsDelivered()
    {
        using var sender = await BoundEmployeeAsync(System, "钱发送");
        using var colleague = await BoundEmployeeAsync(System, "孙接收");
        var customerName = "通知客户" + Guid.NewGuid().ToString("N")[..6];
        var customerId = await CustomerAsync(System, customerName);
        var text = "客户来电催报价 " + Guid.NewGuid().ToString("N")[..6];

        var page = await NotifyAsync(sender.Browser, customerId, colleague.AccountId, text);

        Assert.Contains("已发送微信通知给 孙接收", page.Text);
        var message = await ReceivedAsync(System, colleague.OpenId, text);
        // Note: a customer-service text inside WeChat's 48 h window, the follow-up template outside it; either reaches the user.
        Assert.Contains(message.GetProperty("via").GetString(), new[] { "customer_service", "template" });
        Assert.Contains(customerName, message.GetProperty("text").GetString());
        var row = await WaitForRowAsync(sender.Browser, text, "已送达");
        Assert.Contains("发给 孙接收", row.Text);
        Assert.Contains("手动通知", row.Text);
        Assert.Contains("由 钱发送 发送", row.Text);
    }

    [Fact]
    public async Task Notify_SameFormPostedTwice_SendsOnce()
    {
        using var sender = await BoundEmployeeAsync(System, "周双击");
        using var colleague = await BoundEmployeeAsync(System, "吴收件");
        var customerId = await CustomerAsync(System, "双击客户" + Guid.NewGuid().ToString("N")[..6]);
        var text = "双击只发一次 " + Guid.NewGuid().ToString("N")[..6];
        var form = await sender.Browser.OpenAsync($"/customers/{customerId}");
        var submissionId = Regex.Match(form.Html, "name=\"Notify.SubmissionId\" value=\"([0-9a-f]{32})\"").Groups[1].Value;
        Assert.Equal(32, submissionId.Length);
        var fields = new Dictionary<string, string>
        {
            ["Notify.RecipientId"] = colleague.AccountId.ToString(CultureInfo.InvariantCulture),
            ["Notify.Text"] = text,
            ["Notify.SubmissionId"] = submissionId,
        };

        var first = await sender.Browser.SubmitAsync($"/customers/{customerId}", $"/customers/{customerId}?handler=Notify", fields);
        var second = await sender.Browser.SubmitAsync($"/customers/{customerId}", $"/customers/{customerId}?handler=Notify", fields);

        Assert.Contains("已发送微信通知给 吴收件", first.Text);
        Assert.Contains("这条通知已经发送过了", second.Text);
        await ReceivedAsync(System, colleague.OpenId, text);
        var rows = await System.QueryAsync("SELECT COUNT(*) AS n FROM weixin_notifications WHERE customer_id = @c", ("@c", customerId));
        Assert.Equal(1L, Convert.ToInt64(rows.Single()["n"], CultureInfo.InvariantCulture));
        await Task.Delay(1500); // Note: a second message would have been queued at once; give it time to show up.
        Assert.Single(await System.Login.ReceivedByAsync(colleague.OpenId), m => m.GetProperty("text").GetString()!.Contains(text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddReminder_SameFormPostedTwice_AddsOne()
    {
        using var sender = await BoundEmployeeAsync(System, "郑提醒");
        var customerId = await CustomerAsync(System, "双提醒客户" + Guid.NewGuid().ToString("N")[..6]);
        var due = ChinaNow(TimeSpan.FromHours(3));

        await AddReminderAsync(sender.Browser, customerId, due, sender.AccountId, "只添加一次");
        var again = await AddReminderAsync(sender.Browser, customerId, due, sender.AccountId, "只添加一次");

        Assert.Contains("这条跟进提醒刚才已经添加过了", again.Text);
        var rows = await System.QueryAsync("SELECT COUNT(*) AS n FROM follow_up_reminders WHERE customer_id = @c", ("@c", customerId));
        Assert.Equal(1L, Convert.ToInt64(rows.Single()["n"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Notify_InvalidInput_ShowsChineseErrors_AndSendsNothing()
    {
        using var sender = await BoundEmployeeAsync(System, "冯校验");
        var unboundUser = CrmSystem.NewUserName("nob");
        var unboundId = await System.CreateAccountAsync(unboundUser, "未绑小王", Password);
        var customerId = await CustomerAsync(System, "校验通知" + Guid.NewGuid().ToString("N")[..6]);

        var empty = await NotifyAsync(sender.Browser, customerId, null, " ");
        Assert.Contains("请选择要通知的同事。", empty.Text);
        Assert.Contains("请填写通知内容。", empty.Text);

        var unbound = await NotifyAsync(sender.Browser, customerId, unboundId, "你好");
        Assert.Contains("未绑小王 还没有绑定微信，无法发送微信通知。", unbound.Text);

        var tooLong = await NotifyAsync(sender.Browser, customerId, sender.AccountId, new string('长', 201));
        Assert.Contains("通知内容最多 200 字。", tooLong.Text);

        var rows = await System.QueryAsync("SELECT COUNT(*) AS n FROM weixin_notifications WHERE customer_id = @c", ("@c", customerId));
        Assert.Equal(0L, Convert.ToInt64(rows.Single()["n"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Notify_WithoutAntiforgeryToken_IsRefused()
    {
        using var sender = await BoundEmployeeAsync(System, "褚令牌");
        var customerId = await CustomerAsync(System, "令牌客户" + Guid.NewGuid().ToString("N")[..6]);

        using var response = await sender.Browser.PostFormAsync($"/customers/{customerId}", $"/customers/{customerId}?handler=Notify",
            new Dictionary<string, string> { ["Notify.RecipientId"] = sender.AccountId.ToString(CultureInfo.InvariantCulture), ["Notify.Text"] = "伪造" },
            withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var rows = await System.QueryAsync("SELECT COUNT(*) AS n FROM weixin_notifications WHERE customer_id = @c", ("@c", customerId));
        Assert.Equal(0L, Convert.ToInt64(rows.Single()["n"], CultureInfo.InvariantCulture));
    }
}
