using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Weixin.Inbox.Testing;
using static Weixin.Inbox.CrmApp.Tests.Notifications.NotificationScenario;

namespace Weixin.Inbox.CrmApp.Tests.Pages.Customers;

/// <summary>
/// The customer page's three forms (跟进记录, 跟进提醒, 发送微信通知) each post on their own: an error shows on the form
/// that was sent, the others keep their starting values; and viewing the page never asks the gateway.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed partial class DetailsTests(CrmFixture fixture)
{
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task ReminderError_ShowsOnReminderFormOnly_OtherFormsKeepTheirStartingValues()
    {
        using var boss = await BoundEmployeeAsync(System, "欧表单");
        var customerId = await CustomerAsync(System, "表单客户" + Guid.NewGuid().ToString("N")[..6]);

        var page = await AddReminderAsync(boss.Browser, customerId, ChinaNow(TimeSpan.FromHours(-2)), boss.AccountId, "过去的提醒");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var reminder = Form(page, "reminder-form");
        Assert.Contains("提醒时间已经过去", reminder);
        Assert.Equal("过去的提醒", InputValue(reminder, "Reminder.Note")); // what was typed stays
        AssertNoErrors(Form(page, "note-form"));
        Assert.Equal("", TextArea(Form(page, "note-form"), "Note.Content"));
        var notify = Form(page, "notify-form");
        AssertNoErrors(notify);
        Assert.Matches("^[0-9a-f]{32}$", InputValue(notify, "Notify.SubmissionId"));
        Assert.Equal("", TextArea(notify, "Notify.Text"));
    }

    [Fact]
    public async Task NoteError_ShowsOnNoteFormOnly_FieldsOfOtherFormsInThePostAreIgnored()
    {
        using var boss = await BoundEmployeeAsync(System, "侯记录");
        var customerId = await CustomerAsync(System, "记录客户" + Guid.NewGuid().ToString("N")[..6]);

        // Note: a browser posts one form; a crafted post with the other forms' fields must not fill them in.
        var page = await boss.Browser.SubmitAsync($"/customers/{customerId}", $"/customers/{customerId}", new Dictionary<string, string>
        {
            ["Note.Content"] = " ",
            ["Reminder.Note"] = "混入的提醒",
            ["Reminder.DueAt"] = "明天",
            ["Notify.Text"] = "混入的通知",
        });

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("请填写跟进内容。", Form(page, "note-form"));
        var reminder = Form(page, "reminder-form");
        AssertNoErrors(reminder);
        Assert.Equal("", InputValue(reminder, "Reminder.Note"));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", InputValue(reminder, "Reminder.DueAt")); // the suggestion: in an hour
        Assert.Contains($"<option value=\"{boss.AccountId}\" selected=\"selected\">", reminder); // for me
        var notify = Form(page, "notify-form");
        AssertNoErrors(notify);
        Assert.Equal("", TextArea(notify, "Notify.Text"));
        Assert.Matches("^[0-9a-f]{32}$", InputValue(notify, "Notify.SubmissionId"));
        Assert.DoesNotContain("混入", page.Text);
    }

    [Fact]
    public async Task NotifyError_ShowsOnNotifyFormOnly_KeepsItsInput_AndTheReminderSuggestion()
    {
        using var boss = await BoundEmployeeAsync(System, "孔通知");
        using var colleague = await BoundEmployeeAsync(System, "包同事");
        var customerId = await CustomerAsync(System, "通知表单" + Guid.NewGuid().ToString("N")[..6]);

        var page = await NotifyAsync(boss.Browser, customerId, colleague.AccountId, "");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var notify = Form(page, "notify-form");
        Assert.Contains("请填写通知内容。", notify);
        Assert.Contains($"<option value=\"{colleague.AccountId}\" selected=\"selected\">", notify); // the chosen colleague stays
        var reminder = Form(page, "reminder-form");
        AssertNoErrors(reminder);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", InputValue(reminder, "Reminder.DueAt"));
        Assert.Contains($"<option value=\"{boss.AccountId}\" selected=\"selected\">", reminder);
        AssertNoErrors(Form(page, "note-form"));
        Assert.DoesNotContain("notify-error", page.Html);
    }

    [Fact]
    public async Task ViewingCustomer_AsksTheGatewayNothing_RefreshStatusAsksIt_AndShowsDelivered()
    {
        using var boss = await BoundEmployeeAsync(System, "潘刷新");
        var customerId = await CustomerAsync(System, "刷新客户" + Guid.NewGuid().ToString("N")[..6]);
        var note = "看页面不问网关 " + Guid.NewGuid().ToString("N")[..6];
        await AddReminderAsync(boss.Browser, customerId, ChinaNow(), boss.AccountId, note);
        // The job hands the due reminder to the gateway; the CRM records it as queued until someone asks again.
        var status = await HandedOverStatusAsync(customerId);
        Assert.NotEqual("sent", status);

        var viewId = "crmview" + Guid.NewGuid().ToString("N")[..12];
        using (var view = await SendAsync(boss.Browser, HttpMethod.Get, $"/customers/{customerId}", viewId))
        {
            Assert.Equal(HttpStatusCode.OK, view.StatusCode);
            var html = await view.Content.ReadAsStringAsync();
            Assert.Contains(note, WebUtility.HtmlDecode(html));
            Assert.Contains("id=\"refresh-reminders\"", html); // 「刷新状态」 is offered
        }

        await WaitForLogAsync(System.Crm.JsonLogPath, viewId); // the view is over and logged under its id…
        await Task.Delay(1500);
        Assert.DoesNotContain(viewId, await ReadLogAsync(System.Login.Poller.JsonLogPath)); // …and the gateway never heard of it

        await ReceivedAsync(System, boss.OpenId, note);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var refreshId = "crmrefresh" + Guid.NewGuid().ToString("N")[..12];
            var form = await boss.Browser.OpenAsync($"/customers/{customerId}");
            using (var refresh = await SendAsync(boss.Browser, HttpMethod.Post, $"/customers/{customerId}?handler=Refresh", refreshId,
                new Dictionary<string, string> { ["__RequestVerificationToken"] = CrmBrowser.Token(form.Html)! }))
            {
                Assert.Equal(HttpStatusCode.Redirect, refresh.StatusCode);
                Assert.Equal($"/customers/{customerId}#reminders", CrmBrowser.LocationOf(refresh));
            }

            await WaitForLogAsync(System.Login.Poller.JsonLogPath, refreshId); // 「刷新状态」 does ask the gateway
            var page = await boss.Browser.OpenAsync($"/customers/{customerId}");
            if (page.Text.Contains("已提醒", StringComparison.Ordinal))
            {
                Assert.DoesNotContain("id=\"refresh-reminders\"", page.Html); // nothing left to ask about
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the reminder never showed 已提醒 after 「刷新状态」");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task RefreshStatus_GatewayDown_SaysSo_AndViewingStillWorks()
    {
        using var boss = await BoundEmployeeAsync(System, "葛停机");
        var customerId = await CustomerAsync(System, "停机客户" + Guid.NewGuid().ToString("N")[..6]);
        var note = "网关停了也能看 " + Guid.NewGuid().ToString("N")[..6];
        await AddReminderAsync(boss.Browser, customerId, ChinaNow(), boss.AccountId, note);
        Assert.NotEqual("sent", await HandedOverStatusAsync(customerId));

        await System.Login.Poller.KillAsync();
        try
        {
            var page = await boss.Browser.OpenAsync($"/customers/{customerId}");
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Contains(note, page.Text);
            Assert.Contains("提醒发送中", page.Text);
            Assert.DoesNotContain("暂时连不上内网微信网关", page.Text); // viewing did not try

            var refreshed = await boss.Browser.SubmitAsync($"/customers/{customerId}", $"/customers/{customerId}?handler=Refresh", new Dictionary<string, string>());
            Assert.Contains("暂时连不上内网微信网关，提醒的发送状态可能不是最新的。", refreshed.Text);
            Assert.Contains(note, refreshed.Text);
            var again = await boss.Browser.OpenAsync($"/customers/{customerId}");
            Assert.DoesNotContain("暂时连不上内网微信网关", again.Text); // said once, after the refresh
        }
        finally
        {
            await StartGatewayAgainAsync(System);
        }
    }

    /// <summary>Waits until the job handed the customer's one reminder message to the gateway; its status as recorded.</summary>
    private async Task<string> HandedOverStatusAsync(int customerId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var rows = await System.QueryAsync("SELECT status, gateway_message_id FROM weixin_notifications WHERE customer_id = @c", ("@c", customerId));
            if (rows.SingleOrDefault() is { } row && row["gateway_message_id"] is not (null or DBNull))
            {
                return Convert.ToString(row["status"], CultureInfo.InvariantCulture)!;
            }

            Assert.True(DateTime.UtcNow < deadline, "the reminder was never handed to the gateway");
            await Task.Delay(200);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(CrmBrowser browser, HttpMethod method, string path, string correlationId, Dictionary<string, string>? form = null)
    {
        using var request = new HttpRequestMessage(method, browser.Url(path));
        request.Headers.Add("X-Correlation-Id", correlationId);
        if (form is not null)
        {
            request.Content = new FormUrlEncodedContent(form);
        }

        return await browser.Http.SendAsync(request);
    }

    private static async Task WaitForLogAsync(string path, string text)
    {
        for (var i = 0; i < 100; i++)
        {
            if ((await ReadLogAsync(path)).Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{Path.GetFileName(path)} never logged {text}");
    }

    private static async Task<string> ReadLogAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return await new StreamReader(stream).ReadToEndAsync();
    }

    private static string Form(CrmPage page, string id)
    {
        var match = Regex.Match(page.Html, $"<form [^>]*id=\"{id}\"[^>]*>(.*?)</form>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no form #{id} on {page.Url}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    private static void AssertNoErrors(string form) => Assert.DoesNotContain("field-validation-error", form);

    private static string InputValue(string form, string name)
    {
        var input = Regex.Match(form, $"<input [^>]*name=\"{Regex.Escape(name)}\"[^>]*>");
        Assert.True(input.Success, $"no input {name}");
        return WebUtility.HtmlDecode(ValuePattern().Match(input.Value).Groups[1].Value);
    }

    private static string TextArea(string form, string name)
    {
        var textarea = Regex.Match(form, $"<textarea [^>]*name=\"{Regex.Escape(name)}\"[^>]*>(.*?)</textarea>", RegexOptions.Singleline);
        Assert.True(textarea.Success, $"no textarea {name}");
        return WebUtility.HtmlDecode(textarea.Groups[1].Value).Trim();
    }

    [GeneratedRegex("value=\"([^\"]*)\"")]
    private static partial Regex ValuePattern();
}
