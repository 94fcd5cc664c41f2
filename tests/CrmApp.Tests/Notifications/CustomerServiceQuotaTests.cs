using System.Net.Http.Json;
using Weixin.Inbox.Testing;
using static Weixin.Inbox.CrmApp.Tests.Notifications.NotificationScenario;

namespace Weixin.Inbox.CrmApp.Tests.Notifications;

/// <summary>
/// 「发送微信通知」 against WeChat's customer-service quota: after a menu click WeChat takes 3 customer-service messages
/// within a minute and answers 45047 to the next; that one arrives as the template, and 「通知」 says why in Chinese.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class CustomerServiceQuotaTests(CrmFixture fixture)
{
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task Notify_FourTimesWithinAMinuteOfAMenuClick_OneArrivesAsTemplate_AndTheListNamesTheQuota()
    {
        using var sender = await BoundEmployeeAsync(System, "钱额度");
        using var colleague = await BoundEmployeeAsync(System, "孙额度");
        var customerId = await CustomerAsync(System, "额度客户" + Guid.NewGuid().ToString("N")[..6]);
        await ClickMenuAsync(colleague.OpenId);
        var marker = Guid.NewGuid().ToString("N")[..6];
        var texts = Enumerable.Range(1, 4).Select(n => $"第{n}条 {marker}").ToList();

        foreach (var text in texts)
        {
            var page = await NotifyAsync(sender.Browser, customerId, colleague.AccountId, text);
            Assert.Contains("已发送微信通知给 孙额度", page.Text);
        }

        // Note: the outbox may deliver the four in any order; exactly one finds the click's three messages used up.
        var rows = new List<NotificationRow>();
        foreach (var text in texts)
        {
            rows.Add(await WaitForRowAsync(sender.Browser, text, "已送达"));
        }

        var fallback = Assert.Single(rows, r => r.Text.Contains("已改用模板消息", StringComparison.Ordinal));
        Assert.Contains("超出客服消息条数限制", fallback.Text);
        Assert.Contains("1 分钟内最多 3 条", fallback.Text);
        var received = await System.Login.ReceivedByAsync(colleague.OpenId);
        Assert.Equal(3, received.Count(m => m.GetProperty("via").GetString() == "customer_service"));
        Assert.Equal(1, received.Count(m => m.GetProperty("via").GetString() == "template"));
    }

    /// <summary>The colleague taps a click-type menu button in WeChat (the simulator's control API plays it).</summary>
    private async Task ClickMenuAsync(string openId)
    {
        using var http = new HttpClient { BaseAddress = System.Login.Simulator.BaseAddress };
        using var response = await http.PostAsJsonAsync($"/sim/users/{Uri.EscapeDataString(openId)}/conversation", new { interacted = true, kind = "click" });
        response.EnsureSuccessStatusCode();
    }
}
