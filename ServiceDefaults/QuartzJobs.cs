using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Quartz;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>Registration of Quartz jobs that run at a fixed interval.</summary>
public static class QuartzJobs
{
    /// <summary>
    /// Registers <typeparamref name="TJob"/> under <paramref name="key"/> with a trigger that fires at once (or after
    /// <paramref name="firstRunDelay"/>) and then every <paramref name="interval"/> of the bound <typeparamref name="TOptions"/>,
    /// and the scheduler's hosted service (once, waiting for running jobs at shutdown).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="key">The job's key (the trigger is named after it: <c>{name}-every-interval</c> in the same group).</param>
    /// <param name="interval">Picks the interval from the options, read once when the scheduler starts.</param>
    /// <param name="firstRunDelay">How long after start-up the first run waits; default: none, the job runs at once.</param>
    public static IServiceCollection AddIntervalJob<TJob, TOptions>(
        this IServiceCollection services, JobKey key, Func<TOptions, TimeSpan> interval, TimeSpan firstRunDelay = default)
        where TJob : class, IJob
        where TOptions : class
    {
        services.AddQuartz(quartz =>
        {
            quartz.AddJob<TJob>(job => job.WithIdentity(key));
            quartz.AddTrigger((provider, trigger) => trigger
                .ForJob(key)
                .WithIdentity(key.Name + "-every-interval", key.Group)
                .StartAt(DateTimeOffset.UtcNow + firstRunDelay)
                .WithSimpleSchedule(schedule => schedule
                    .WithInterval(interval(provider.GetRequiredService<IOptions<TOptions>>().Value))
                    .RepeatForever()
                    // Note: after a long run, skip the missed firings instead of catching up in a burst.
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithExistingCount)));
        });

        // Note: several features schedule jobs; one scheduler serves them all, and shutdown waits for the running ones.
        if (!services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(QuartzHostedService)))
        {
            services.AddQuartzHostedService(quartz => quartz.WaitForJobsToComplete = true);
        }

        return services;
    }
}
