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

    /// <summary>The value of a <c>datetime-local</c> input (<c>2026-11-25T09:30</c>) for a UTC time, in China time.</summary>
    public static string FormatInput(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), China).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads a China time as a <c>datetime-local</c> input sends it (<c>2026-11-25T09:30</c>, seconds optional)
    /// and returns it in UTC; null when it is not such a time.
    /// </summary>
    public static DateTime? ParseInput(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)
            || !DateTime.TryParseExact(value.Trim(), InputFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return null;
        }

        return TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), China);
    }

    private static readonly string[] InputFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.fff", "yyyy-MM-dd HH:mm"];

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
