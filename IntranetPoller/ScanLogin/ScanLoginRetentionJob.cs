using Microsoft.Extensions.Options;
using Quartz;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.IntranetPoller.ScanLogin;

/// <summary>
/// Deletes <c>scan_logins</c> rows that expired more than <c>ScanLogins:Retention:MaxAge</c> ago, through
/// <see cref="ScanLoginStore"/>, every <c>ScanLogins:Retention:Interval</c>. Safe on several pollers at once: a row is
/// deleted once, whoever gets there first.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ScanLoginRetentionJob(
    IServiceScopeFactory scopes,
    IOptions<ScanLoginRetentionOptions> options,
    TimeProvider time,
    ILogger<ScanLoginRetentionJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("scan-login-retention", "scan-logins");

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await RunOnceAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down; every batch is its own statement, so the next run carries on where this one stopped.
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Scan login retention failed; the next run tries again");
        }
    }

    /// <summary>One pass: answers how many rows were deleted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cutoff = time.GetUtcNow() - settings.MaxAge;
        await using var scope = scopes.CreateAsyncScope();
        var deleted = await scope.ServiceProvider.GetRequiredService<ScanLoginStore>().DeleteExpiredAsync(cutoff, settings.BatchSize, cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Scan login retention: {Count} logins deleted (expired before {Cutoff:O}, kept {MaxAge})", deleted, cutoff, settings.MaxAge);
        }

        return deleted;
    }
}

/// <summary>Registration of the scan-login retention job.</summary>
public static class ScanLoginRetentionExtensions
{
    /// <summary>Adds <see cref="ScanLoginRetentionOptions"/> and, where the scheduler runs and retention is on, the job.</summary>
    public static IHostApplicationBuilder AddScanLoginRetention(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ScanLoginRetentionOptions>()
            .BindConfiguration(ScanLoginRetentionOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ScanLoginRetentionJob>();

        // Note: like the other jobs, none on a gateway-only instance (Poller:Enabled=false), which runs no scheduler at all.
        if (!builder.Configuration.GetValue(PollerOptions.Section + ":" + nameof(PollerOptions.Enabled), true) ||
            !builder.Configuration.GetValue(ScanLoginRetentionOptions.Section + ":" + nameof(ScanLoginRetentionOptions.Enabled), true))
        {
            return builder;
        }

        // Note: the first run waits a minute, so a restart loop does not purge on every start.
        services.AddIntervalJob<ScanLoginRetentionJob, ScanLoginRetentionOptions>(ScanLoginRetentionJob.Key, retention => retention.Interval, firstRunDelay: TimeSpan.FromMinutes(1));
        return builder;
    }
}
