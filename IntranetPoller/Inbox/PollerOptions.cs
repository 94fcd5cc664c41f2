using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.IntranetPoller.Inbox;

/// <summary>How the poller pulls items from the PublicInbox (section <c>Poller</c>).</summary>
public sealed class PollerOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Poller";

    /// <summary>Base URL of the PublicInbox (e.g. http://127.0.0.1:5000). Required when <see cref="Enabled"/>; absolute.</summary>
    public Uri? InboxBaseUrl { get; set; }

    /// <summary>Name of this poller instance in the inbox's audit trail. Default machine name + "-" + process id.</summary>
    [Required, MaxLength(100)]
    public string PollerId { get; set; } = Environment.MachineName + "-" + Environment.ProcessId;

    /// <summary>Pause between polls. Default 00:00:01.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Long polling: how long the inbox may hold a claim while nothing is pending (0 turns it off; at most 20 s).
    /// Default 00:00:08: a callback then reaches the intranet within a fraction of a second, with one request
    /// every few seconds when idle.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:20")]
    public TimeSpan LongPollWait { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Items asked for per claim, 1–100. Default 32 (a claim costs the inbox the same few statements for one item or many).</summary>
    [Range(1, 100)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Items processed at once, 1–256. Default 64. A slow item (a CRM hook taking seconds) then does not hold up the
    /// messages behind it, whose WeChat requests wait only a few seconds for their reply. Note: an item spends most
    /// of its time waiting on the network (the inbox, MySQL, the CRM hook), so throughput is this number divided by
    /// an item's latency: 8 at once held the poller near 35 messages a second whatever the load.
    /// </summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>False runs only the gateway API (no polling). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InboxBaseUrl is null ? Enabled : !InboxBaseUrl.IsAbsoluteUri || (InboxBaseUrl.Scheme != Uri.UriSchemeHttps && InboxBaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult("必须是完整的 http(s) 网址（Poller:Enabled 为 true 时必须设置） / Poller:InboxBaseUrl must be an absolute http(s) URL (required while Poller:Enabled is true).", [nameof(InboxBaseUrl)]);
        }
    }
}
