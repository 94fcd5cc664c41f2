using System.Globalization;
using System.Text;
using System.Text.Json;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.CrmApp.Accounts;

namespace Weixin.Inbox.CrmApp.Notifications;

/// <summary>What the messages say: the 「客户跟进提醒」 template's typed keywords and the text of 「发送微信通知」.</summary>
public static class NotificationMessages
{
    /// <summary>Longest note of a reminder and longest text of 「发送微信通知」 (kept whole in the CRM; a template shows it shortened).</summary>
    public const int MaxText = 200;

    /// <summary>Longest value of a <c>thing</c> keyword, in characters (WeChat: 「20个以内字符」).</summary>
    public const int ThingLength = 20;

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

    /// <summary>A due reminder as a template message; <paramref name="from"/> is who set it.</summary>
    public static SendMessageRequest Reminder(string key, string openId, FollowUpTemplate template, string url, string customer, string? company, DateTime dueAtUtc, string note, string from) =>
        new(key, openId, Template: FollowUpTemplate(template, url, customer, company, dueAtUtc, note, from));

    /// <summary>
    /// 「发送微信通知」: a customer-service text, with the follow-up template as the fallback for a recipient outside
    /// WeChat's 48 h window.
    /// </summary>
    public static SendMessageRequest Manual(string key, string openId, FollowUpTemplate template, string url, string sender, string customer, string? company, DateTime nowUtc, string text) =>
        new(key, openId, CustomerService: new CustomerServiceMessage(
            Text: $"{sender}提醒您关注客户「{Customer(customer, company)}」：\n{text}\n查看客户：{url}",
            FallbackTemplate: FollowUpTemplate(template, url, customer, company, nowUtc, text, sender)));

    /// <summary>
    /// <paramref name="text"/> as a <c>thing</c> keyword takes it: one line (line breaks and runs of spaces become one
    /// space) of at most <see cref="ThingLength"/> characters, cut on a character boundary (never inside an emoji or a
    /// combined character) and ended with 「…」 when shortened; 「—」 when nothing is left.
    /// </summary>
    /// <remarks>
    /// Note: WeChat counts Unicode characters and refuses a longer value (47003), so the count is of code points while
    /// the cut falls between text elements: a text element of several code points counts as all of them.
    /// https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html#类目模板消息
    /// </remarks>
    public static string Thing(string text)
    {
        var line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(part => new string([.. part.Where(c => !char.IsControl(c))])).Where(part => part.Length > 0));
        if (line.Length == 0)
        {
            return "—";
        }

        if (line.EnumerateRunes().Count() <= ThingLength)
        {
            return line;
        }

        var kept = new StringBuilder();
        var count = 0;
        var elements = StringInfo.GetTextElementEnumerator(line);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            var runes = element.EnumerateRunes().Count();
            if (count + runes > ThingLength - 1)
            {
                break;
            }

            kept.Append(element);
            count += runes;
        }

        return kept.ToString().TrimEnd() + "…";
    }

    public static string Serialize(SendMessageRequest request) => JsonSerializer.Serialize(request, Json);

    public static SendMessageRequest Deserialize(string payload) =>
        JsonSerializer.Deserialize<SendMessageRequest>(payload, Json) ?? throw new InvalidOperationException("Empty notification payload.");

    // Note: typed keywords only. Since 2023-05-04 WeChat shows neither first nor remark (nor colours), so nothing the
    // reader needs may go there; the full text stays behind the link, on the customer's page.
    private static TemplateMessage FollowUpTemplate(FollowUpTemplate template, string url, string customer, string? company, DateTime atUtc, string content, string from)
    {
        var data = new Dictionary<string, TemplateField>(StringComparer.Ordinal)
        {
            [template.CustomerKey] = new(Thing(Customer(customer, company))),
            [template.TimeKey] = new(CrmTime.Format(atUtc)),
            [template.ContentKey] = new(Thing(content)),
        };
        if (template.FromKey is { } fromKey)
        {
            data[fromKey] = new(Thing(from));
        }

        return new TemplateMessage(template.TemplateId, data, url);
    }

    private static string Customer(string name, string? company) => string.IsNullOrWhiteSpace(company) ? name : $"{name}（{company}）";
}
