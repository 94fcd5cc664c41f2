using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.IntranetPoller.Inbox;

/// <summary>Registration of the inbox client and the Quartz polling job.</summary>
public static class InboxPollingExtensions
{
    /// <summary>Name of the signing options that sign calls to the inbox.</summary>
    public const string SigningName = "PollerSigning";

    /// <summary>
    /// Adds <see cref="PollerOptions"/>, the signed Refit client of the inbox, the <see cref="ClaimedItemProcessor"/> and,
    /// unless disabled, the polling job.
    /// </summary>
    public static IHostApplicationBuilder AddInboxPolling(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PollerOptions>()
            .BindConfiguration(PollerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSigningOptions(SigningName, SigningName);
        services.AddSingleton<InboxReachability>();
        services.AddSingleton<CompletionBatcher>();
        services.AddSingleton<ClaimedItemProcessor>();

        // Note: Refit 16 without Refit.Reflection only builds clients from the implementation its source generator
        // emitted into the Contracts assembly; AddRefitClient would throw NotSupportedException on first use.
        var longPoll = builder.Configuration.GetValue(PollerOptions.Section + ":" + nameof(PollerOptions.LongPollWait), TimeSpan.FromSeconds(8));
        ConfigureInboxClient(services.AddRefitGeneratedClient<IInboxPollerApi>(_ => RefitJson.Settings), longPoll);
        ConfigureInboxClient(services.AddRefitGeneratedClient<IInboxCompletionApi>(_ => RefitJson.Settings), longPoll);

        // Note: read here as well as in the job, so a gateway-only instance (Poller:Enabled=false) runs no scheduler at all.
        if (!builder.Configuration.GetValue(PollerOptions.Section + ":" + nameof(PollerOptions.Enabled), true))
        {
            return builder;
        }

        services.AddIntervalJob<PollInboxJob, PollerOptions>(PollInboxJob.Key, poller => poller.Interval);
        return builder;
    }

    /// <summary>The inbox's address, resilience, correlation and signing for one of its Refit clients.</summary>
    private static void ConfigureInboxClient(IHttpClientBuilder inboxClient, TimeSpan longPoll)
    {
        inboxClient.ConfigureHttpClient((provider, http) =>
            {
                var inboxBaseUrl = provider.GetRequiredService<IOptions<PollerOptions>>().Value.InboxBaseUrl;
                http.BaseAddress = inboxBaseUrl ?? throw new InvalidOperationException("Poller:InboxBaseUrl is not configured.");
                http.Timeout = Timeout.InfiniteTimeSpan; // Note: the resilience handler's timeouts below govern.
            });

        // Note: handlers run in the order they are added, the first outermost. The resilience handler comes
        // first so each retry passes through the signing handler again and goes out with a fresh id and
        // timestamp; the inbox would refuse a retry that reused the id as a replay.
        // Note: an attempt may legitimately last a whole long poll, so its timeout leaves 5 s beyond that.
        var attempt = longPoll + TimeSpan.FromSeconds(5);
        inboxClient.AddStandardResilienceHandler(resilience =>
        {
            resilience.Retry.MaxRetryAttempts = 2;
            resilience.AttemptTimeout.Timeout = attempt;
            resilience.TotalRequestTimeout.Timeout = attempt * 3;
            resilience.CircuitBreaker.SamplingDuration = attempt * 2;
        });
        inboxClient.AddHttpMessageHandler(() => new CorrelationHandler());
        inboxClient.AddHttpMessageHandler(provider => new SigningHandler(
            provider.GetRequiredService<IOptionsMonitor<SigningOptions>>(), SigningName, provider.GetRequiredService<TimeProvider>()));
    }
}
