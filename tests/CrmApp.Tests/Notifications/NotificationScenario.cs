using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Notifications;

/// <summary>An employee as the notifications see them: a CRM account, its simulated WeChat user, a signed-in browser.</summary>
public sealed record Employee(int AccountId, string UserName, string DisplayName, string OpenId, CrmBrowser Browser) : IDisposable
{
    public void Dispose() => Browser.Dispose();
}

/// <summary>A row of the 「微信通知」 page.</summary>
public sealed record NotificationRow(long Id, string Status, string Text);

/// <summary>Steps the notification tests share: employees, customers, forms, and waiting for WeChat and for the pages.</summary>
public static partial class NotificationScenario
{
    public const string Password = "Secret2024ab";

    /// <summary>
    /// An account bound to a fresh WeChat user whose WeChat went through the OAuth login once (so the gateway's directory
    /// knows the user, as it would in real life); the returned browser is signed in with the password.
    /// </summary>
    /// <remarks>
    /// Note: not signed in by that WeChat login: a fresh browser is a device new for the user, and its number
    /// confirmation is a text message from the user, which would open the customer-service window (and use its quota)
    /// that these tests need in a known state. The login's ticket is left unredeemed.
    /// </remarks>
    public static async Task<Employee> BoundEmployeeAsync(CrmSystem system, string displayName)
    {
        var openId = await system.AddWeixinUserAsync(displayName + "的微信");
        var userName = CrmSystem.NewUserName("emp");
        var id = await system.CreateAccountAsync(userName, displayName, Password, weixinOpenId: openId);
        var browser = new CrmBrowser(system);
        await browser.WeixinUntilReturnAsync(openId);
        var home = await browser.SignInWithPasswordAsync(userName, Password);
        Assert.Contains($"{displayName}，您好", home.Text);
        return new Employee(id, userName, displayName, openId, browser);
    }

    /// <summary>A customer only this test uses; returns its id.</summary>
    public static async Task<int> CustomerAsync(CrmSystem system, string name, string company = "测试科技有限公司")
    {
        var rows = await system.QueryAsync("""
            INSERT INTO customers (name, company, phone, owner_id, created_at) VALUES (@n, @c, NULL, NULL, UTC_TIMESTAMP(6));
            SELECT LAST_INSERT_ID() AS id;
            """, ("@n", name), ("@c", company));
        return Convert.ToInt32(rows.Single()["id"], CultureInfo.InvariantCulture);
    }

    /// <summary>Now in China time as a <c>datetime-local</c> input sends it.</summary>
    public static string ChinaNow(TimeSpan offset = default) =>
        DateTime.UtcNow.Add(offset).AddHours(8).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Posts 「添加提醒」 on the customer page.</summary>
    public static Task<CrmPage> AddReminderAsync(CrmBrowser browser, int customerId, string? dueAt, int? assigneeId, string? note) =>
        browser.SubmitAsync($"/customers/{customerId}", $"/customers/{customerId}?handler=Reminder", new Dictionary<string, string>
        {
            ["Reminder.DueAt"] = dueAt ?? "",
            ["Reminder.AssigneeId"] = assigneeId?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["Reminder.Note"] = note ?? "",
        });

    /// <summary>Posts 「发送微信通知」 on the customer page.</summary>
    public static Task<CrmPage> NotifyAsync(CrmBrowser browser, int customerId, int? recipientId, string? text) =>
        browser.SubmitAsync($"/customers/{customerId}", $"/customers/{customerId}?handler=Notify", new Dictionary<string, string>
        {
            ["Notify.RecipientId"] = recipientId?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["Notify.Text"] = text ?? "",
        });

    /// <summary>
    /// Starts the gateway (the poller) again after a test stopped it, and waits until it answers a signed request.
    /// </summary>
    public static async Task StartGatewayAgainAsync(CrmSystem system)
    {
        await system.Login.Poller.StartAsync();
        // Note: on a loaded machine a fresh poller's first requests take longer than the CRM's 10 s gateway timeout;
        // the next test's WeChat login must not pay for that.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await system.Login.Gateway.ListMessagesAsync(limit: 1);
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    /// <summary>Waits until the simulated user received a message whose text contains <paramref name="marker"/>.</summary>
    public static async Task<JsonElement> ReceivedAsync(CrmSystem system, string openId, string marker, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        while (true)
        {
            var received = await system.Login.ReceivedByAsync(openId);
            var found = received.FirstOrDefault(m => m.TryGetProperty("text", out var text) && text.GetString()?.Contains(marker, StringComparison.Ordinal) == true);
            if (found.ValueKind == JsonValueKind.Object)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{openId} did not receive a message with 「{marker}」; received: {string.Join(" | ", received.Select(m => m.ToString()))}");
            }

            await Task.Delay(300);
        }
    }

    /// <summary>The 「微信通知」 page's rows containing <paramref name="marker"/>.</summary>
    public static async Task<List<NotificationRow>> NotificationRowsAsync(CrmBrowser browser, string marker)
    {
        var page = await browser.OpenAsync("/notifications");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        return NotificationRowPattern().Matches(page.Html)
            .Select(m => new NotificationRow(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value, WebUtility.HtmlDecode(m.Groups[3].Value)))
            .Where(r => r.Text.Contains(marker, StringComparison.Ordinal))
            .ToList();
    }

    /// <summary>Opens 「微信通知」 until the row containing <paramref name="marker"/> shows <paramref name="label"/>.</summary>
    public static async Task<NotificationRow> WaitForRowAsync(CrmBrowser browser, string marker, string label, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        while (true)
        {
            var rows = await NotificationRowsAsync(browser, marker);
            if (rows.FirstOrDefault(r => r.Text.Contains(label, StringComparison.Ordinal)) is { } row)
            {
                return row;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No row with 「{marker}」 shows 「{label}」: {string.Join(" | ", rows.Select(r => r.Text))}");
            }

            await Task.Delay(500);
        }
    }

    [GeneratedRegex("""<li class="notification" data-notification="(\d+)" data-status="(\w+)">(.*?)</li>""", RegexOptions.Singleline)]
    private static partial Regex NotificationRowPattern();
}
