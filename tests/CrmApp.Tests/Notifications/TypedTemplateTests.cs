using System.Text.Json;
using Weixin.Inbox.Testing;
using static Weixin.Inbox.CrmApp.Tests.Notifications.NotificationScenario;

namespace Weixin.Inbox.CrmApp.Tests.Notifications;

/// <summary>
/// 「客户跟进提醒」 as a category template after WeChat's 2023-05-04 change: typed keywords only (a <c>thing</c> holds
/// 20 characters, WeChat refuses more with 47003, and shows neither first nor remark), so long text arrives shortened
/// with 「…」 and the whole text waits behind the link, on the customer's page.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class TypedTemplateTests(CrmFixture fixture)
{
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task DueReminder_FortyCharacterNote_ArrivesShortenedWithEllipsis_AndTheCustomerPageKeepsItWhole()
    {
        using var boss = await BoundEmployeeAsync(System, "梁设定");
        using var assignee = await BoundEmployeeAsync(System, "甘跟进");
        var customerName = "长备注客户" + Guid.NewGuid().ToString("N")[..4];
        var customerId = await CustomerAsync(System, customerName, "星河");
        var marker = "长" + Guid.NewGuid().ToString("N")[..6];
        var note = marker + "请在周五前回电确认报价单第三版的交货期和付款方式并约定下周参观时间";
        Assert.Equal(40, note.Length);

        await AddReminderAsync(boss.Browser, customerId, ChinaNow(TimeSpan.FromSeconds(2)), assignee.AccountId, note);

        var message = await ReceivedAsync(System, assignee.OpenId, marker);
        Assert.Equal("template", message.GetProperty("via").GetString());
        var lines = message.GetProperty("text").GetString()!.Split('\n');
        Assert.Equal(
            ["客户跟进提醒", $"客户名称：{customerName}（星河）", lines[2], $"跟进内容：{note[..19]}…", "提醒人：梁设定"],
            lines);
        Assert.Matches(@"^跟进时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", lines[2]);
        Assert.Equal(new Uri(System.BaseAddress, $"/customers/{customerId}").ToString(), message.GetProperty("url").GetString());
        await WaitForRowAsync(boss.Browser, marker, "已送达");
        Assert.Contains(note, (await assignee.Browser.OpenAsync($"/customers/{customerId}")).Text);
    }

    [Fact]
    public async Task DueReminder_NoteOfEmoji_IsCutBetweenCharacters_NeverInsideOne()
    {
        using var boss = await BoundEmployeeAsync(System, "蒋表情");
        using var assignee = await BoundEmployeeAsync(System, "蓝收到");
        var customerId = await CustomerAsync(System, "表情客户" + Guid.NewGuid().ToString("N")[..4], "笑脸");
        var marker = "情" + Guid.NewGuid().ToString("N")[..7];
        // Note: 8 + 11 emoji is 19 characters but 30 UTF-16 units; a cut by UTF-16 units would split an emoji in half,
        // and the family emoji (five code points joined) must go whole or not at all.
        var note = marker + string.Concat(Enumerable.Repeat("😀", 11)) + "👨‍👩‍👧" + "之后的文字";

        await AddReminderAsync(boss.Browser, customerId, ChinaNow(TimeSpan.FromSeconds(2)), assignee.AccountId, note);

        var message = await ReceivedAsync(System, assignee.OpenId, marker);
        // Note: WeChat shows emoji as □ since 2023-05-04; what matters is that it took the value (no 47003).
        Assert.Contains($"跟进内容：{marker}{new string('□', 11)}…", message.GetProperty("text").GetString()!.Split('\n'));
        await WaitForRowAsync(boss.Browser, marker, "已送达");
    }

    [Fact]
    public async Task Notify_OutsideTheWindow_LongTextWithLineBreaks_FallbackTemplateIsOneShortenedLine_AndTheCustomerPageKeepsItWhole()
    {
        using var sender = await BoundEmployeeAsync(System, "邵发件");
        using var colleague = await BoundEmployeeAsync(System, "闵收件");
        var customerId = await CustomerAsync(System, "换行客户" + Guid.NewGuid().ToString("N")[..4], "远山");
        var marker = "行" + Guid.NewGuid().ToString("N")[..6];
        var text = marker + "客户来电\n报价单要按新税率重算，周三前发给采购部王经理，抄送财务";

        var page = await NotifyAsync(sender.Browser, customerId, colleague.AccountId, text);

        Assert.Contains("已发送微信通知给 闵收件", page.Text);
        // Note: the colleague only logged in through WeChat and never wrote to the account: custom/send answers 45015,
        // and the follow-up template goes out instead.
        var message = await ReceivedAsync(System, colleague.OpenId, marker);
        Assert.Equal("template", message.GetProperty("via").GetString());
        var lines = message.GetProperty("text").GetString()!.Split('\n');
        Assert.Contains($"跟进内容：{marker}客户来电 报价单要按新税…", lines);
        Assert.Contains("提醒人：邵发件", lines);
        await WaitForRowAsync(sender.Browser, marker, "已送达");
        var customerPage = await colleague.Browser.OpenAsync($"/customers/{customerId}");
        Assert.Contains("报价单要按新税率重算，周三前发给采购部王经理，抄送财务", customerPage.Text);
        Assert.Contains("邵发件 → 闵收件", customerPage.Text);
    }
}
