using System.Text.Json;
using Weixin.Inbox.Contracts.Inbox;

namespace Weixin.Inbox.PublicInbox.Items;

/// <summary>
/// The WeChat conditions a poller reports with its claims (<see cref="ClaimRequest.Alerts"/>): their checks, and their
/// form in the <c>pollers.alerts</c> column.
/// </summary>
public static class PollerAlerts
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Why <paramref name="alerts"/> is refused, or null when it is acceptable (null is: an older poller).</summary>
    public static string? Problem(IReadOnlyList<PollerAlert>? alerts)
    {
        if (alerts is null)
        {
            return null;
        }

        if (alerts.Count > PollerAlert.MaxCount)
        {
            return $"alerts may hold at most {PollerAlert.MaxCount} entries.";
        }

        foreach (var alert in alerts)
        {
            if (alert is null || string.IsNullOrWhiteSpace(alert.Code) || alert.Code.Length > PollerAlert.MaxCodeLength)
            {
                return $"each alert needs a code of at most {PollerAlert.MaxCodeLength} characters.";
            }

            if (string.IsNullOrWhiteSpace(alert.Reason) || alert.Reason.Length > PollerAlert.MaxReasonLength)
            {
                return $"each alert needs a reason of at most {PollerAlert.MaxReasonLength} characters.";
            }

            if (alert.Since == default || alert.LastSeen < alert.Since)
            {
                return "each alert needs since, and lastSeen not before it.";
            }
        }

        return null;
    }

    /// <summary>The column's text for <paramref name="alerts"/>.</summary>
    public static string Serialize(IReadOnlyList<PollerAlert> alerts) => JsonSerializer.Serialize(alerts, Json);

    /// <summary>The alerts stored in the column; none for null or unreadable text.</summary>
    public static IReadOnlyList<PollerAlert> Parse(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<PollerAlert>>(stored, Json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
