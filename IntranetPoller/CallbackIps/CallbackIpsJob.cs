using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Quartz;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Weixin;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.IntranetPoller.CallbackIps;

/// <summary>Fetching WeChat's callback IP list for the inbox (section <c>CallbackIps</c>).</summary>
public sealed class CallbackIpsOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "CallbackIps";

    /// <summary>Whether this poller fetches the list and hands it to the inbox. Default true (one API call a day).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often a fetched list is refreshed. Default 1 day (WeChat recommends once a day).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How soon a failed fetch or hand-in is tried again (the job's own cadence). Default 15 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Fetches <c>cgi-bin/getcallbackip</c> (through <see cref="AccessTokenProvider.CallWithTokenAsync{T}"/>, so a refused
/// token is replaced once) and hands the list to the inbox with a signed <c>PUT /poller/v1/weixin-callback-ips</c>: at
/// start, then every <c>CallbackIps:Interval</c>, retrying every <c>CallbackIps:RetryInterval</c> after a failure.
/// The inbox uses it with <c>Inbox:RestrictCallbacksToWeixinIps</c>.
/// </summary>
[DisallowConcurrentExecution]
public sealed class CallbackIpsJob(
    IServiceScopeFactory scopes, IOptions<CallbackIpsOptions> options, IOptions<PollerOptions> poller, TimeProvider time, ILogger<CallbackIpsJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("weixin-callback-ips", "weixin");

    private DateTimeOffset? _lastSuccess;

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (_lastSuccess is { } last && time.GetUtcNow() - last < options.Value.Interval)
        {
            return;
        }

        try
        {
            if (await RunOnceAsync(cancellationToken))
            {
                _lastSuccess = time.GetUtcNow();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down; the next start fetches again.
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not hand WeChat's callback IP list to the inbox; trying again in {RetryInterval}", options.Value.RetryInterval);
        }
    }

    /// <summary>One fetch and hand-in; true when the inbox took the list.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<AccessTokenProvider>();
        var weixin = scope.ServiceProvider.GetRequiredService<WeixinServiceClient>();
        var result = await tokens.CallWithTokenAsync((token, ct) => weixin.GetCallbackIpsAsync(token, ct), cancellationToken);
        if (result.Outcome != WeixinOutcome.Ok || result.Value?.IpList is not { Count: > 0 } list)
        {
            logger.LogWarning("cgi-bin/getcallbackip failed ({Outcome}, errcode {ErrCode}: {ErrMsg}); trying again in {RetryInterval}",
                result.Outcome, result.ErrCode, result.ErrMsg, options.Value.RetryInterval);
            return false;
        }

        var inbox = scope.ServiceProvider.GetRequiredService<IInboxPollerApi>();
        var answer = await inbox.PutCallbackIpsAsync(new CallbackIpsRequest(poller.Value.PollerId, list), cancellationToken);
        logger.LogInformation("Handed WeChat's callback IP list ({Count} entries) to the inbox", answer.Count);
        return true;
    }
}

/// <summary>Registration of the callback IP job.</summary>
public static class CallbackIpsExtensions
{
    /// <summary>Adds <see cref="CallbackIpsOptions"/> and, where the poller's scheduler runs and the job is enabled, the job.</summary>
    public static IHostApplicationBuilder AddCallbackIps(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CallbackIpsOptions>().BindConfiguration(CallbackIpsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (!builder.Configuration.GetValue(PollerOptions.Section + ":" + nameof(PollerOptions.Enabled), true) ||
            !builder.Configuration.GetValue(CallbackIpsOptions.Section + ":" + nameof(CallbackIpsOptions.Enabled), true))
        {
            return builder;
        }

        // Note: a singleton, so the time of the last success survives between runs.
        builder.Services.AddSingleton<CallbackIpsJob>();
        builder.Services.AddIntervalJob<CallbackIpsJob, CallbackIpsOptions>(CallbackIpsJob.Key, o => o.RetryInterval);
        return builder;
    }
}
