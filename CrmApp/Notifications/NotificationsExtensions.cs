using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.CrmApp.Notifications;

/// <summary>Registration of WeChat notifications: options, the sender and the reminder job.</summary>
public static class NotificationsExtensions
{
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.ReminderPollInterval >= TimeSpan.FromMilliseconds(100) && o.ReminderPollInterval <= TimeSpan.FromHours(1),
                "Notifications:ReminderPollInterval: 必须在 00:00:00.1 到 01:00:00 之间 / Notifications:ReminderPollInterval must be between 00:00:00.1 and 01:00:00.")
            .Validate(o => o.StatusRefreshTimeout > TimeSpan.Zero && o.StatusRefreshTimeout <= TimeSpan.FromSeconds(30),
                "Notifications:StatusRefreshTimeout: 必须为正且不超过 00:00:30（页面要等它） / Notifications:StatusRefreshTimeout must be positive and at most 00:00:30 (a page waits for it).")
            .Validate(o => new[] { o.FollowUpCustomerKey, o.FollowUpTimeKey, o.FollowUpContentKey, o.FollowUpFromKey }
                    .Where(k => !string.IsNullOrEmpty(k)).Distinct(StringComparer.Ordinal).Count()
                    == new[] { o.FollowUpCustomerKey, o.FollowUpTimeKey, o.FollowUpContentKey, o.FollowUpFromKey }.Count(k => !string.IsNullOrEmpty(k)),
                "Notifications:FollowUpCustomerKey: 四个 FollowUp…Key 必须是模板中不同的关键词 / Notifications:FollowUpCustomerKey, FollowUpTimeKey, FollowUpContentKey and FollowUpFromKey must name different keywords of the template.")
            .ValidateOnStart();
        builder.Services.AddScoped<NotificationSender>();

        builder.Services.AddIntervalJob<SendDueRemindersJob, NotificationOptions>(SendDueRemindersJob.Key, notifications => notifications.ReminderPollInterval);
        return builder;
    }
}
