using Weixin.Inbox.ServiceDefaults;

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

        // Note: the first purge waits a minute, so a restart loop does not purge on every start.
        services.AddIntervalJob<RetentionJob, RetentionOptions>(RetentionJob.Key, retention => retention.Interval, firstRunDelay: TimeSpan.FromMinutes(1));
        return builder;
    }
}
