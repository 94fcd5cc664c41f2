using System.Globalization;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>Times are stored in UTC and shown in China Standard Time.</summary>
public static class CrmTime
{
    private static readonly TimeZoneInfo China = FindChina();

    public static string Format(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), China).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Format(DateTime? utc) => utc is { } value ? Format(value) : "—";

    /// <summary>Month and day only (<c>11月24日</c>), for lists on a narrow screen.</summary>
    public static string FormatDay(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), China).ToString("M月d日", CultureInfo.InvariantCulture);

    private static TimeZoneInfo FindChina()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.CreateCustomTimeZone("CST", TimeSpan.FromHours(8), "China Standard Time", "China Standard Time");
        }
    }
}
