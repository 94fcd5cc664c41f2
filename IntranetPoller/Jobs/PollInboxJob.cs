using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using Quartz;
using Refit;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.OAuth;

namespace Weixin.Inbox.IntranetPoller.Jobs;

/// <summary>
/// Claims pending items from the PublicInbox, processes them and reports each result back. Runs every
/// <c>Poller:Interval</c>; keeps claiming while full batches come back.
/// </summary>
[DisallowConcurrentExecution]
public sealed class PollInboxJob(
    IServiceScopeFactory scopes,
    IOptionsMonitor<PollerOptions> options,
    InboxReachability reachability,
    TimeProvider time,
    ILogger<PollInboxJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("poll-inbox", "inbox");

    /// <summary>Most claims in one run, so a flood cannot keep one run going forever.</summary>
    public const int MaxRoundsPerRun = 20;

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var poller = options.CurrentValue;
        if (!poller.Enabled)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            for (var round = 0; round < MaxRoundsPerRun; round++)
            {
                var started = time.GetTimestamp();
                IInboxPollerApi inbox;
                ClaimResponse claimed;
                try
                {
                    inbox = scope.ServiceProvider.GetRequiredService<IInboxPollerApi>();
                    claimed = await inbox.ClaimAsync(new ClaimRequest(poller.PollerId, poller.BatchSize, [InboxItemKinds.OAuth]), cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    reachability.Unreachable(Describe(ex));
                    return;
                }

                reachability.Reachable();
                var elapsed = (long)time.GetElapsedTime(started).TotalMilliseconds;
                logger.Log(claimed.Items.Count > 0 ? LogLevel.Information : LogLevel.Debug,
                    "Claimed {Count} items in {Elapsed} ms", claimed.Items.Count, elapsed);

                foreach (var item in claimed.Items)
                {
                    await ProcessAsync(inbox, item, cancellationToken);
                }

                if (claimed.Items.Count < poller.BatchSize)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down. Not refired: unfinished items keep their lease and return to the inbox's queue when it ends.
            logger.LogInformation("Polling stopped by shutdown");
        }
    }

    private async Task ProcessAsync(IInboxPollerApi inbox, ClaimedItem item, CancellationToken cancellationToken)
    {
        ItemDecision decision;
        try
        {
            await using var itemScope = scopes.CreateAsyncScope();
            decision = item.Kind == InboxItemKinds.OAuth
                ? await itemScope.ServiceProvider.GetRequiredService<OAuthItemHandler>().HandleAsync(item, cancellationToken)
                : new ItemDecision.RetryLater($"kind '{item.Kind}' is not handled by this poller");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Note: one broken item must not stop the batch; it goes back to the queue and MaxAttempts bounds WeChat retries.
            logger.LogError(ex, "Item {ItemId} (correlation {CorrelationId}) failed while processing", item.Id, item.CorrelationId);
            decision = new ItemDecision.RetryLater($"processing error ({ex.GetType().Name})");
        }

        switch (decision)
        {
            case ItemDecision.Complete complete:
                await CompleteAsync(inbox, item, complete, cancellationToken);
                break;
            case ItemDecision.RetryLater retry:
                await FailAsync(inbox, item, retry.Error, retry: true, cancellationToken);
                break;
            case ItemDecision.Fail fail:
                await FailAsync(inbox, item, fail.Error, retry: false, cancellationToken);
                break;
        }
    }

    private async Task CompleteAsync(IInboxPollerApi inbox, ClaimedItem item, ItemDecision.Complete complete, CancellationToken cancellationToken)
    {
        try
        {
            var response = await inbox.CompleteAsync(item.Id, new CompleteRequest(item.LeaseId, complete.RedirectUrl, complete.Outcome), cancellationToken);
            logger.LogInformation("Item {ItemId} (correlation {CorrelationId}) completed: {Outcome}, inbox status {Status}",
                item.Id, item.CorrelationId, complete.Outcome, response.Status);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Note: our lease ended and another poller holds the item now; its result stands.
            logger.LogWarning("Item {ItemId} (correlation {CorrelationId}): lease lost before completion, leaving it to its new holder",
                item.Id, item.CorrelationId);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.BadRequest)
        {
            // Note: the redirect carries the ticket, so neither it nor the inbox's echo of it is logged.
            logger.LogError("Item {ItemId} (correlation {CorrelationId}): inbox refused the completion ({Outcome}); failing the item",
                item.Id, item.CorrelationId, complete.Outcome);
            await FailAsync(inbox, item, $"inbox refused completion with outcome {complete.Outcome} (HTTP 400)", retry: false, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Note: the lease will lapse and the item come back; the handler then repeats the same answer.
            logger.LogWarning("Item {ItemId} (correlation {CorrelationId}): could not complete: {Reason}", item.Id, item.CorrelationId, Describe(ex));
        }
    }

    private async Task FailAsync(IInboxPollerApi inbox, ClaimedItem item, string error, bool retry, CancellationToken cancellationToken)
    {
        try
        {
            var response = await inbox.FailAsync(item.Id, new FailRequest(item.LeaseId, error, retry), cancellationToken);
            logger.LogInformation("Item {ItemId} (correlation {CorrelationId}) released (retry {Retry}): {Error}, inbox status {Status}",
                item.Id, item.CorrelationId, retry, error, response.Status);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            logger.LogWarning("Item {ItemId} (correlation {CorrelationId}): lease lost before release", item.Id, item.CorrelationId);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Item {ItemId} (correlation {CorrelationId}): could not release: {Reason}", item.Id, item.CorrelationId, Describe(ex));
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        ApiException api => $"HTTP {(int)api.StatusCode} {api.ReasonPhrase}",
        HttpRequestException http => $"{http.HttpRequestError}: {http.Message}",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}
