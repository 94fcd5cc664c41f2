using System.Globalization;
using System.Text.Json;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.CrmApp.Accounts;

namespace Weixin.Inbox.CrmApp.Notifications;

/// <summary>What the messages say: the 「客户跟进提醒」 template's fields and the text of 「发送微信通知」.</summary>
public static class NotificationMessages
{
    /// <summary>Longest note of a reminder and longest text of 「发送微信通知」 (a template field holds 200 characters).</summary>
    public const int MaxText = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The idempotency key of a reminder's message: its id and creation time, so a recreated database never reuses one.</summary>
    public static string ReminderKey(long reminderId, DateTime createdAtUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"crm-reminder-{reminderId}-{new DateTimeOffset(DateTime.SpecifyKind(createdAtUtc, DateTimeKind.Utc)).ToUnixTimeMilliseconds()}");

    /// <summary>The idempotency key of a 「发送微信通知」: from the form's submission id (so a double tap sends once), or fresh.</summary>
    public static string ManualKey(string? submissionId = null) =>
        "crm-manual-" + (submissionId is { Length: 32 } && submissionId.All(char.IsAsciiHexDigitLower) ? submissionId : NewSubmissionId());

    /// <summary>A new id for one showing of a form (32 lower-case hex digits).</summary>
    public static string NewSubmissionId() => Guid.NewGuid().ToString("N");

    /// <summary>The link back into the CRM: the customer's page.</summary>
    public static string CustomerUrl(string publicBaseUrl, int customerId) =>
        string.Create(CultureInfo.InvariantCulture, $"{publicBaseUrl.TrimEnd('/')}/customers/{customerId}");

    /// <summary>A due reminder as a template message.</summary>
    public static SendMessageRequest Reminder(string key, string openId, string templateId, string url, string customer, string? company, DateTime dueAtUtc, string note) =>
        new(key, openId, Template: FollowUpTemplate(templateId, url, "您有一个客户需要跟进", customer, company, dueAtUtc, note));

    /// <summary>
    /// 「发送微信通知」: a customer-service text, with the follow-up template as the fallback for a recipient outside
    /// WeChat's 48 h window.
    /// </summary>
    public static SendMessageRequest Manual(string key, string openId, string templateId, string url, string sender, string customer, string? company, DateTime nowUtc, string text) =>
        new(key, openId, CustomerService: new CustomerServiceMessage(
            Text: $"{sender}提醒您关注客户「{Customer(customer, company)}」：\n{text}\n查看客户：{url}",
            FallbackTemplate: FollowUpTemplate(templateId, url, $"{sender}给您发来一条客户通知", customer, company, nowUtc, text)));

    public static string Serialize(SendMessageRequest request) => JsonSerializer.Serialize(request, Json);

    public static SendMessageRequest Deserialize(string payload) =>
        JsonSerializer.Deserialize<SendMessageRequest>(payload, Json) ?? throw new InvalidOperationException("Empty notification payload.");

    private static TemplateMessage FollowUpTemplate(string templateId, string url, string first, string customer, string? company, DateTime atUtc, string remark) =>
        new(templateId, new Dictionary<string, TemplateField>
        {
            ["first"] = new(first),
            ["keyword1"] = new(Customer(customer, company)),
            ["keyword2"] = new(CrmTime.Format(atUtc)),
            ["remark"] = new(remark),
        }, url);

    private static string Customer(string name, string? company) => string.IsNullOrWhiteSpace(company) ? name : $"{name}（{company}）";
}
