using Quartz;

namespace Weixin.Inbox.PublicInbox.Retention;

/// <summary>Runs <see cref="RetentionPurger"/> every <c>Retention:Interval</c>, in a DI scope of its own.</summary>
[DisallowConcurrentExecution]
public sealed class RetentionJob(IServiceScopeFactory scopes, ILogger<RetentionJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("retention", "inbox");

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<RetentionPurger>().RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down; every batch is its own transaction, so the next run carries on where this one stopped.
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Retention run failed; the next run tries again");
        }
    }
}
