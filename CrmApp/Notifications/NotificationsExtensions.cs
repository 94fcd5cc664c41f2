using Microsoft.Extensions.Options;
using Quartz;

namespace Weixin.Inbox.CrmApp.Notifications;

/// <summary>Registration of WeChat notifications: options, the sender and the reminder job.</summary>
public static class NotificationsExtensions
{
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.ReminderPollInterval >= TimeSpan.FromMilliseconds(100) && o.ReminderPollInterval <= TimeSpan.FromHours(1),
                "Notifications:ReminderPollInterval must be between 00:00:00.1 and 01:00:00.")
            .Validate(o => o.StatusRefreshTimeout > TimeSpan.Zero && o.StatusRefreshTimeout <= TimeSpan.FromSeconds(30),
                "Notifications:StatusRefreshTimeout must be positive and at most 00:00:30 (a page waits for it).")
            .ValidateOnStart();
        builder.Services.AddScoped<NotificationSender>();

        builder.Services.AddQuartz(quartz =>
        {
            quartz.AddJob<SendDueRemindersJob>(job => job.WithIdentity(SendDueRemindersJob.Key));
            quartz.AddTrigger((provider, trigger) => trigger
                .ForJob(SendDueRemindersJob.Key)
                .WithIdentity("send-due-reminders-every-interval", "notifications")
                .StartNow()
                .WithSimpleSchedule(schedule => schedule
                    .WithInterval(provider.GetRequiredService<IOptions<NotificationOptions>>().Value.ReminderPollInterval)
                    .RepeatForever()
                    // Note: after a long run, skip the missed firings instead of catching up in a burst.
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithExistingCount)));
        });
        builder.Services.AddQuartzHostedService(quartz => quartz.WaitForJobsToComplete = true);
        return builder;
    }
}
