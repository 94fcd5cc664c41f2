using Weixin.Inbox.Testing;
using static Weixin.Inbox.CrmApp.Tests.Notifications.NotificationScenario;

namespace Weixin.Inbox.CrmApp.Tests.Notifications;

/// <summary>
/// With the reminder job's background refresh on (the default outside tests), a delivered reminder turns 已提醒 on
/// the customer page by itself: viewing asks the gateway nothing, and nobody presses 「刷新状态」.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class BackgroundRefreshTests : IAsyncLifetime
{
    private CrmSystem system = null!;

    public async Task InitializeAsync() =>
        system = await CrmSystem.StartAsync("crm-bgrefresh", crmSettings: new Dictionary<string, string>
        {
            ["Notifications__BackgroundStatusRefresh"] = "true",
        });

    public async Task DisposeAsync() => await system.DisposeAsync();

    [Fact]
    public async Task DeliveredReminder_TurnsSentOnItsOwn_WithoutRefreshStatus()
    {
        using var boss = await BoundEmployeeAsync(system, "钟后台");
        var customerId = await CustomerAsync(system, "后台刷新客户" + Guid.NewGuid().ToString("N")[..6]);
        var note = "后台自己刷新 " + Guid.NewGuid().ToString("N")[..6];
        await AddReminderAsync(boss.Browser, customerId, ChinaNow(), boss.AccountId, note);
        await ReceivedAsync(system, boss.OpenId, note);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var page = await boss.Browser.OpenAsync($"/customers/{customerId}");
            if (page.Text.Contains("已提醒", StringComparison.Ordinal))
            {
                Assert.DoesNotContain("id=\"refresh-reminders\"", page.Html); // nothing left for the button
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the delivered reminder never turned 已提醒 without 「刷新状态」");
            await Task.Delay(500);
        }

        var row = Assert.Single(await system.QueryAsync(
            "SELECT status FROM weixin_notifications WHERE summary LIKE @note", ("@note", "%" + note + "%")));
        Assert.Equal("sent", row["status"]);
    }
}
