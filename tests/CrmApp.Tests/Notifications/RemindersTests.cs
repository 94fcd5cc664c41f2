using System.Globalization;
using System.Text.Json;
using Weixin.Inbox.Testing;
using static Weixin.Inbox.CrmApp.Tests.Notifications.NotificationScenario;

namespace Weixin.Inbox.CrmApp.Tests.Notifications;

/// <summary>
/// Follow-up reminders: set on a customer page, sent by the CRM's job through the gateway as the 「客户跟进提醒」
/// template message to the assignee's WeChat (the simulator's record), and shown as delivered.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class RemindersTests(CrmFixture fixture)
{
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task DueReminder_TemplateMessageReachesAssignee_WithLinkToCustomer_AndShowsDelivered()
    {
        using var boss = await BoundEmployeeAsync(System, "韩提醒");
        using var assignee = await BoundEmployeeAsync(System, "邹负责");
        var customerName = "提醒客户" + Guid.NewGuid().ToString("N")[..6];
        var customerId = await CustomerAsync(System, customerName, "远景贸易有限公司");
        var note = "回访报价 " + Guid.NewGuid().ToString("N")[..6];

        var page = await AddReminderAsync(boss.Browser, customerId, ChinaNow(TimeSpan.FromSeconds(2)), assignee.AccountId, note);

        Assert.Contains("已添加跟进提醒", page.Text);
        Assert.Contains(note, page.Text);
        var message = await ReceivedAsync(System, assignee.OpenId, note);
        Assert.Equal("template", message.GetProperty("via").GetString());
        Assert.Equal("TPL_FOLLOW_UP", message.GetProperty("templateId").GetString());
        Assert.Equal(new Uri(System.BaseAddress, $"/customers/{customerId}").ToString(), message.GetProperty("url").GetString());
        var text = message.GetProperty("text").GetString()!;
        Assert.Contains($"客户名称：{customerName}（远景贸易有限公司）", text);
        Assert.Contains("跟进时间：", text);

        var row = await WaitForRowAsync(boss.Browser, note, "已送达");
        Assert.Contains("发给 邹负责", row.Text);
        Assert.Contains("跟进提醒", row.Text);
        Assert.Contains(customerName, row.Text);
        var customerPage = await boss.Browser.OpenAsync($"/customers/{customerId}");
        Assert.Contains("已提醒", customerPage.Text);

        // Note: the job runs every second; a second delivery of the same reminder would show up here.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var received = await System.Login.ReceivedByAsync(assignee.OpenId);
        Assert.Single(received, m => m.GetProperty("text").GetString()!.Contains(note, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DueReminder_AssigneeWithoutWeixin_FailsWithReason_AndSendsNothing_UntilResentAfterBinding()
    {
        using var boss = await BoundEmployeeAsync(System, "方设置");
        using var assignee = await BoundEmployeeAsync(System, "解绑人");
        // The assignee's WeChat was known to the gateway, then unbound from the CRM account.
        await System.QueryAsync("UPDATE accounts SET weixin_open_id = NULL, weixin_bound_at = NULL WHERE id = @id", ("@id", assignee.AccountId));
        var customerId = await CustomerAsync(System, "未绑定客户" + Guid.NewGuid().ToString("N")[..6]);
        var note = "无人可推 " + Guid.NewGuid().ToString("N")[..6];

        await AddReminderAsync(boss.Browser, customerId, ChinaNow(), assignee.AccountId, note);

        var row = await WaitForRowAsync(boss.Browser, note, "发送失败");
        Assert.Contains("负责人未绑定微信，无法推送", row.Text);
        Assert.Contains("重新发送", row.Text);
        var customerPage = await boss.Browser.OpenAsync($"/customers/{customerId}");
        Assert.Contains("发送失败", customerPage.Text);
        Assert.Contains("负责人未绑定微信，无法推送", customerPage.Text);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(await System.Login.ReceivedByAsync(assignee.OpenId));

        // Bound again, 「重新发送」 delivers it.
        await System.QueryAsync("UPDATE accounts SET weixin_open_id = @o, weixin_bound_at = UTC_TIMESTAMP(6) WHERE id = @id", ("@o", assignee.OpenId), ("@id", assignee.AccountId));
        var resent = await boss.Browser.SubmitAsync("/notifications", $"/notifications?handler=Resend&id={row.Id}", new Dictionary<string, string>());
        Assert.Contains("已重新发送", resent.Text);
        var message = await ReceivedAsync(System, assignee.OpenId, note);
        Assert.Equal("template", message.GetProperty("via").GetString());
        await WaitForRowAsync(boss.Browser, note, "已送达");
    }

    [Fact]
    public async Task AddReminder_InvalidInput_ShowsChineseErrors_AndSavesNothing()
    {
        using var boss = await BoundEmployeeAsync(System, "严校验");
        var customerId = await CustomerAsync(System, "校验客户" + Guid.NewGuid().ToString("N")[..6]);

        var empty = await AddReminderAsync(boss.Browser, customerId, "", null, "  ");
        Assert.Contains("请选择提醒时间。", empty.Text);
        Assert.Contains("请选择负责人。", empty.Text);
        Assert.Contains("请填写提醒内容", empty.Text);
        Assert.DoesNotContain("请填写跟进内容。</span>", empty.Html); // the notes form shows no error of its own

        var past = await AddReminderAsync(boss.Browser, customerId, ChinaNow(TimeSpan.FromHours(-2)), boss.AccountId, "过去的提醒");
        Assert.Contains("提醒时间已经过去", past.Text);

        var garbage = await AddReminderAsync(boss.Browser, customerId, "明天上午", boss.AccountId, "格式不对");
        Assert.Contains("提醒时间格式不正确", garbage.Text);

        var tooLong = await AddReminderAsync(boss.Browser, customerId, ChinaNow(TimeSpan.FromHours(1)), boss.AccountId, new string('长', 201));
        Assert.Contains("提醒内容最多 200 字。", tooLong.Text);

        var nobody = await AddReminderAsync(boss.Browser, customerId, ChinaNow(TimeSpan.FromHours(1)), 99999999, "不存在的人");
        Assert.Contains("所选负责人不存在", nobody.Text);

        var count = await System.QueryAsync("SELECT COUNT(*) AS n FROM follow_up_reminders WHERE customer_id = @c", ("@c", customerId));
        Assert.Equal(0L, Convert.ToInt64(count.Single()["n"], CultureInfo.InvariantCulture));
        var page = await boss.Browser.OpenAsync($"/customers/{customerId}");
        Assert.Contains("还没有跟进提醒。", page.Text);
    }

    [Fact]
    public async Task FutureReminder_WaitsAsPending_AndSendsNothing()
    {
        using var boss = await BoundEmployeeAsync(System, "俞未来");
        var customerId = await CustomerAsync(System, "未来客户" + Guid.NewGuid().ToString("N")[..6]);
        var note = "下周再联系 " + Guid.NewGuid().ToString("N")[..6];

        var page = await AddReminderAsync(boss.Browser, customerId, ChinaNow(TimeSpan.FromDays(7)), boss.AccountId, note);

        Assert.Contains("待提醒", page.Text);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(await System.Login.ReceivedByAsync(boss.OpenId), (JsonElement m) => m.GetProperty("text").GetString()!.Contains(note, StringComparison.Ordinal));
        Assert.Empty(await NotificationRowsAsync(boss.Browser, note));
    }

    [Fact]
    public async Task DueReminder_DuringGatewayOutage_WaitsQueued_ThenArrivesOnceWhenGatewayIsBack()
    {
        using var boss = await BoundEmployeeAsync(System, "石断网");
        using var assignee = await BoundEmployeeAsync(System, "柏等待");
        var customerId = await CustomerAsync(System, "断网客户" + Guid.NewGuid().ToString("N")[..6]);
        var note = "网关停机时到期 " + Guid.NewGuid().ToString("N")[..6];
        var text = "停机时手动通知 " + Guid.NewGuid().ToString("N")[..6];

        await System.Login.Poller.KillAsync();
        try
        {
            await AddReminderAsync(boss.Browser, customerId, ChinaNow(), assignee.AccountId, note);
            var sent = await NotifyAsync(boss.Browser, customerId, assignee.AccountId, text);
            Assert.Contains("内网微信网关暂时不可用", sent.Text);
            Assert.Contains("将自动重试发送", sent.Text);

            var waiting = await WaitForRowAsync(boss.Browser, note, "内网微信网关暂时不可用，将自动重试。");
            Assert.Contains("排队中", waiting.Text);
            Assert.Contains("排队中", (await NotificationRowsAsync(boss.Browser, text)).Single().Text);
            await Task.Delay(TimeSpan.FromSeconds(2)); // several job runs against the dead gateway
        }
        finally
        {
            await StartGatewayAgainAsync(System);
        }

        await ReceivedAsync(System, assignee.OpenId, note);
        await ReceivedAsync(System, assignee.OpenId, text);
        await WaitForRowAsync(boss.Browser, note, "已送达");
        await WaitForRowAsync(boss.Browser, text, "已送达");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var received = await System.Login.ReceivedByAsync(assignee.OpenId);
        Assert.Single(received, m => m.GetProperty("text").GetString()!.Contains(note, StringComparison.Ordinal));
        Assert.Single(received, m => m.GetProperty("text").GetString()!.Contains(text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DueReminder_GatewayRefusesUnknownUser_RecordsReasonInChinese()
    {
        using var boss = await BoundEmployeeAsync(System, "任拒收");
        // Bound in the CRM's database only: this WeChat user never logged in, so the gateway's directory lacks it.
        var openId = await System.AddWeixinUserAsync("陌生微信");
        var strangerId = await System.CreateAccountAsync(CrmSystem.NewUserName("str"), "陌生人", Password, weixinOpenId: openId);
        var customerId = await CustomerAsync(System, "拒收客户" + Guid.NewGuid().ToString("N")[..6]);
        var note = "网关不认识 " + Guid.NewGuid().ToString("N")[..6];

        await AddReminderAsync(boss.Browser, customerId, ChinaNow(), strangerId, note);

        var row = await WaitForRowAsync(boss.Browser, note, "发送失败");
        Assert.Contains("微信网关不认识这个微信用户", row.Text);
        Assert.Empty(await System.Login.ReceivedByAsync(openId));
    }
}
