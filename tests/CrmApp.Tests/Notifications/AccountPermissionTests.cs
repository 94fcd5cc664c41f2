using System.Net.Http.Json;
using Weixin.Inbox.Testing;
using static Weixin.Inbox.CrmApp.Tests.Notifications.NotificationScenario;

namespace Weixin.Inbox.CrmApp.Tests.Notifications;

/// <summary>
/// A 公众号 that may not send template messages (WeChat 48001): the reminder fails once, not retried, and the
/// notifications page names the account it needs.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class AccountPermissionTests(CrmFixture fixture)
{
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task DueReminder_AccountMayNotSendTemplates_FailsWithTheAccountRequirementInChinese()
    {
        using var boss = await BoundEmployeeAsync(System, "左认证");
        var customerId = await CustomerAsync(System, "权限客户" + Guid.NewGuid().ToString("N")[..6]);
        var note = "订阅号不能发模板 " + Guid.NewGuid().ToString("N")[..6];

        // Note: the 公众号 becomes a verified 订阅号 (customer service, no templates) after the employee logged in.
        await SetAccountTypeAsync("VerifiedSubscription");
        try
        {
            await AddReminderAsync(boss.Browser, customerId, ChinaNow(), boss.AccountId, note);

            var row = await WaitForRowAsync(boss.Browser, note, "发送失败");
            Assert.Contains("公众号未获得该接口权限（48001）：模板消息需要已认证的服务号", row.Text);
            Assert.Equal(1, await TemplateRefusalsAsync());
        }
        finally
        {
            await SetAccountTypeAsync("VerifiedService");
        }

        Assert.DoesNotContain(await System.Login.ReceivedByAsync(boss.OpenId), m => m.ToString().Contains(note, StringComparison.Ordinal));
    }

    private async Task SetAccountTypeAsync(string accountType)
    {
        using var http = new HttpClient { BaseAddress = System.Login.Simulator.BaseAddress };
        using var response = await http.PutAsJsonAsync("/sim/account-type", new { accountType });
        response.EnsureSuccessStatusCode();
    }

    private async Task<long> TemplateRefusalsAsync()
    {
        var stats = await System.Login.SimulatorStatsAsync();
        return stats.GetProperty("errors").TryGetProperty("48001", out var count) ? count.GetInt64() : 0;
    }
}
