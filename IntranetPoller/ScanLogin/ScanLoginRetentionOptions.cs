using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.IntranetPoller.ScanLogin;

/// <summary>Retention of <c>scan_logins</c> (section <c>ScanLogins:Retention</c>).</summary>
public sealed class ScanLoginRetentionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "ScanLogins:Retention";

    /// <summary>
    /// Whether this instance runs the job. Default true; it only runs where the poller's scheduler runs
    /// (<c>Poller:Enabled</c>, default true).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Logins whose expiry lies further back than this are deleted (whatever their state). Default 7 days.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the job runs (the first run one minute after start). Default 1 h.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement, so a first run over a large backlog never holds long locks. Default 1,000.</summary>
    [Range(10, 50_000)]
    public int BatchSize { get; set; } = 1000;
}
