using Weixin.Inbox.IntranetPoller.Users;
using Weixin.Inbox.ServiceDefaults;

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
        services.AddUserDirectory();
        services.AddSingleton<OutboxPause>();
        services.AddScoped<OutboxStore>();
        services.AddScoped<OutboxSender>();
        services.AddScoped<OutboxDelivery>();

        // Note: read here as well as in the job, so an API-only instance (Push:Enabled=false) schedules nothing.
        if (!builder.Configuration.GetValue(PushOptions.Section + ":" + nameof(PushOptions.Enabled), true))
        {
            return builder;
        }

        services.AddIntervalJob<DeliverOutboxJob, PushOptions>(DeliverOutboxJob.Key, push => push.Interval);
        return builder;
    }
}
