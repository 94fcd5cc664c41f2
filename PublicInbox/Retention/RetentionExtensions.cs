using Microsoft.Extensions.Options;
using Quartz;

namespace Weixin.Inbox.PublicInbox.Retention;

/// <summary>Registration of the retention job.</summary>
public static class RetentionExtensions
{
    public static WebApplicationBuilder AddRetention(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<RetentionPurger>();
        if (!builder.Configuration.GetValue(RetentionOptions.Section + ":" + nameof(RetentionOptions.Enabled), true))
        {
            return builder;
        }

        services.AddQuartz(quartz =>
        {
            quartz.AddJob<RetentionJob>(job => job.WithIdentity(RetentionJob.Key));
            quartz.AddTrigger((provider, trigger) => trigger
                .ForJob(RetentionJob.Key)
                .WithIdentity("retention-every-interval", "inbox")
                // Note: a minute after start, so a restart loop does not purge on every start.
                .StartAt(DateTimeOffset.UtcNow.AddMinutes(1))
                .WithSimpleSchedule(schedule => schedule
                    .WithInterval(provider.GetRequiredService<IOptions<RetentionOptions>>().Value.Interval)
                    .RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithExistingCount)));
        });
        services.AddQuartzHostedService(quartz => quartz.WaitForJobsToComplete = true);
        return builder;
    }
}
