using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.CrmApp.Notifications;

/// <summary>WeChat notifications: follow-up reminders and 「发送微信通知」 (section <c>Notifications</c>).</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>
    /// The template of 「客户跟进提醒」 in the official account's backend; its fields are <c>first</c>, <c>keyword1</c>
    /// (客户), <c>keyword2</c> (跟进时间) and <c>remark</c>. Used for reminders and as the fallback of 「发送微信通知」
    /// outside WeChat's 48 h window. Default <c>TPL_FOLLOW_UP</c> (what the simulator seeds).
    /// </summary>
    [Required]
    [StringLength(128)]
    public string FollowUpTemplateId { get; set; } = "TPL_FOLLOW_UP";

    /// <summary>How often the job looks for due reminders and hands waiting messages to the gateway. Default 00:00:30.</summary>
    public TimeSpan ReminderPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether the reminder job also asks the gateway where the messages still in its outbox stand, so a reminder
    /// turns 已提醒 without anyone pressing 「刷新状态」. Default true. The tests of 「刷新状态」 turn it off to
    /// see the button's own work.
    /// </summary>
    public bool BackgroundStatusRefresh { get; set; } = true;

    /// <summary>Most reminders and most waiting messages handled in one job run. Default 50.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>Most unfinished messages whose status one refresh (「通知」, 「刷新状态」) asks the gateway for. Default 20.</summary>
    [Range(1, 200)]
    public int StatusRefreshLimit { get; set; } = 20;

    /// <summary>How many of those status requests run at once. Default 4.</summary>
    [Range(1, 32)]
    public int StatusRefreshParallelism { get; set; } = 4;

    /// <summary>How long a refresh waits for those statuses before it shows what it has (with a note). Default 00:00:03.</summary>
    public TimeSpan StatusRefreshTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
