using System.Globalization;
using System.Text.RegularExpressions;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>
/// How the admin pages say things to people: China time (UTC+8, the database keeps UTC), durations, and the Chinese
/// names of kinds, statuses and outcomes. Plain text only; the Razor pages encode it.
/// </summary>
public static partial class AdminFormat
{
    /// <summary>The form field that carries the antiforgery token.</summary>
    public const string AntiforgeryField = "__af";

    /// <summary>The admin UI shows China Standard Time; the database keeps UTC.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    public static string China(DateTime utc) => (DateTime.SpecifyKind(utc, DateTimeKind.Utc) + ChinaOffset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string ChinaMs(DateTime utc) => (DateTime.SpecifyKind(utc, DateTimeKind.Utc) + ChinaOffset).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    /// <summary>
    /// Rewrites the UTC timestamps other code wrote into stored texts (<c>2026-12-01T21:30:05.1234567Z</c>, the "O" format)
    /// as China time, so no UTC time reaches the screen beside China times.
    /// </summary>
    public static string ChinaTimesIn(string text) =>
        UtcTimestamp().Replace(text, m => DateTime.TryParse(m.Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc)
            ? China(utc) + "（北京时间）"
            : m.Value);

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]00:00)?")]
    private static partial Regex UtcTimestamp();

    /// <summary>A whole number for people: 1,234.</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A duration for people: 850 ms, 3.2 秒, 4 分 10 秒, 2 小时 5 分, 3 天 4 小时.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalSeconds < 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0} ms")
            : span.TotalMinutes < 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.0} 秒")
            : span.TotalHours < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} 分 {span.Seconds} 秒")
            : span.TotalDays < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} 小时 {span.Minutes} 分")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays} 天 {span.Hours} 小时");
    }

    public static string KindName(string kind) => kind switch
    {
        "oauth" => "网页授权登录",
        "message" => "消息",
        "event" => "事件",
        _ => kind,
    };

    public static string StatusName(string status) => status switch
    {
        "pending" => "排队中",
        "leased" => "处理中",
        "done" => "已完成",
        "failed" => "失败",
        "expired" => "已过期",
        _ => status,
    };

    /// <summary>The poller's outcome codes (<c>CompleteRequest.Outcome</c>) in words; null for a code we do not know.</summary>
    public static string? OutcomeName(string? outcome) => outcome switch
    {
        "ticket_issued" => "已签发登录票据",
        "replied" => "已回复用户",
        "no_reply" => "无需回复",
        "duplicate" => "重复消息，已处理过",
        "api_unauthorized" => "公众号未获得网页授权接口权限（48001），需要已认证的服务号",
        _ => null,
    };
}
