using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.CrmApp.Notifications;

/// <summary>WeChat notifications: follow-up reminders and 「发送微信通知」 (section <c>Notifications</c>).</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>
    /// The template of 「客户跟进提醒」 in the official account's backend (a category template: its keywords are typed,
    /// see the <c>FollowUp…Key</c> options). Used for reminders and as the fallback of 「发送微信通知」 outside WeChat's
    /// 48 h window. Default <c>TPL_FOLLOW_UP</c> (what the simulator seeds). The keys of a real account's template are
    /// listed by <c>cgi-bin/template/get_all_private_template</c> (its <c>content</c>, e.g. <c>客户名称：{{thing1.DATA}}</c>).
    /// </summary>
    [Required]
    [StringLength(128)]
    public string FollowUpTemplateId { get; set; } = "TPL_FOLLOW_UP";

    /// <summary>The template's keyword for the customer (a <c>thing</c>: at most 20 characters). Default <c>thing1</c>.</summary>
    [Required]
    [RegularExpression(@"^thing\d+$", ErrorMessage = "Notifications:FollowUpCustomerKey must be a thing keyword such as thing1.")]
    public string FollowUpCustomerKey { get; set; } = "thing1";

    /// <summary>The template's keyword for the time (a <c>time</c> or <c>date</c>; sent as 2026-11-25 10:00). Default <c>time2</c>.</summary>
    [Required]
    [RegularExpression(@"^(time|date)\d+$", ErrorMessage = "Notifications:FollowUpTimeKey must be a time or date keyword such as time2.")]
    public string FollowUpTimeKey { get; set; } = "time2";

    /// <summary>The template's keyword for what to do (a <c>thing</c>; longer text is shortened with 「…」). Default <c>thing3</c>.</summary>
    [Required]
    [RegularExpression(@"^thing\d+$", ErrorMessage = "Notifications:FollowUpContentKey must be a thing keyword such as thing3.")]
    public string FollowUpContentKey { get; set; } = "thing3";

    /// <summary>
    /// The template's keyword for who set the reminder or sent the notification (a <c>thing</c>), or empty when the
    /// template has no such line. Default <c>thing4</c>.
    /// </summary>
    [RegularExpression(@"^(thing\d+)?$", ErrorMessage = "Notifications:FollowUpFromKey must be empty or a thing keyword such as thing4.")]
    public string FollowUpFromKey { get; set; } = "thing4";

    /// <summary>The follow-up template and its keywords.</summary>
    public FollowUpTemplate GetFollowUpTemplate() => new(FollowUpTemplateId, FollowUpCustomerKey, FollowUpTimeKey, FollowUpContentKey,
        string.IsNullOrEmpty(FollowUpFromKey) ? null : FollowUpFromKey);

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

/// <summary>The 「客户跟进提醒」 template: its id and the keys of its typed keywords.</summary>
public sealed record FollowUpTemplate(string TemplateId, string CustomerKey, string TimeKey, string ContentKey, string? FromKey = null);
