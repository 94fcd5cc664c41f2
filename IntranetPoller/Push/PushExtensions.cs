using Microsoft.Extensions.Options;
using Quartz;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>Registration of the push outbox.</summary>
public static class PushExtensions
{
    /// <summary>Adds <see cref="PushOptions"/>, the outbox store and sender and, unless <c>Push:Enabled</c> is false, the delivery job.</summary>
    public static IHostApplicationBuilder AddPush(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PushOptions>()
            .BindConfiguration(PushOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<OutboxPause>();
        services.AddScoped<OutboxStore>();
        services.AddScoped<OutboxSender>();
        services.AddScoped<OutboxDelivery>();

        // Note: read here as well as in the job, so an API-only instance (Push:Enabled=false) schedules nothing.
        if (!builder.Configuration.GetValue(PushOptions.Section + ":" + nameof(PushOptions.Enabled), true))
        {
            return builder;
        }

        services.AddQuartz(quartz =>
        {
            quartz.AddJob<DeliverOutboxJob>(job => job.WithIdentity(DeliverOutboxJob.Key));
            quartz.AddTrigger((provider, trigger) => trigger
                .ForJob(DeliverOutboxJob.Key)
                .WithIdentity("deliver-outbox-every-interval", "push")
                .StartNow()
                .WithSimpleSchedule(schedule => schedule
                    .WithInterval(provider.GetRequiredService<IOptions<PushOptions>>().Value.Interval)
                    .RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithExistingCount)));
        });

        // Note: the inbox polling registers the scheduler's hosted service unless polling is off; once is enough.
        if (!services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(QuartzHostedService)))
        {
            services.AddQuartzHostedService(quartz => quartz.WaitForJobsToComplete = true);
        }

        return builder;
    }
}
