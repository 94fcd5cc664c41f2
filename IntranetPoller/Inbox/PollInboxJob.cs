using System.Net;
using Microsoft.Extensions.Options;
using Prometheus;
using Quartz;
using Refit;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Diagnostics;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.OAuth;

namespace Weixin.Inbox.IntranetPoller.Inbox;

/// <summary>
/// Claims pending items from the PublicInbox, processes them (up to <c>Poller:MaxConcurrency</c> at once) and
/// reports each result back. Runs every <c>Poller:Interval</c>; keeps claiming while full batches come back or
/// items are still in flight.
/// </summary>
[DisallowConcurrentExecution]
public sealed class PollInboxJob(
    IServiceScopeFactory scopes,
    IOptionsMonitor<PollerOptions> options,
    IOptionsMonitor<MessagesOptions> messages,
    InboxReachability reachability,
    TimeProvider time,
    ILogger<PollInboxJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("poll-inbox", "inbox");

    /// <summary>
    /// How long one run keeps claiming before it hands back to the scheduler (which fires again after
    /// <c>Poller:Interval</c>). Note: a limit in time, not in rounds: with long polling every arriving callback
    /// ends a round, and a round limit would end the run (and pause polling) exactly when traffic is high.
    /// </summary>
    public static readonly TimeSpan MaxRunDuration = TimeSpan.FromMinutes(1);

    private static readonly Dictionary<long, Task> InFlight = [];
    private static readonly string[] LoginKinds = [InboxItemKinds.OAuth];
    private static readonly string[] AllKinds = [InboxItemKinds.OAuth, InboxItemKinds.Message, InboxItemKinds.Event];

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var poller = options.CurrentValue;
        if (!poller.Enabled)
        {
            return;
        }

        var kinds = messages.CurrentValue.IsEnabled ? AllKinds : LoginKinds;
        // Note: the scope (and the inbox client in it) outlives the items still running when the loop ends.
        await using var scope = scopes.CreateAsyncScope();
        var running = new List<Task>();
        try
        {
            var runStarted = time.GetTimestamp();
            while (time.GetElapsedTime(runStarted) < MaxRunDuration)
            {
                var wanted = Math.Min(poller.BatchSize, poller.MaxConcurrency - running.Count);
                var started = time.GetTimestamp();
                IInboxPollerApi inbox;
                ClaimResponse claimed;
                try
                {
                    inbox = scope.ServiceProvider.GetRequiredService<IInboxPollerApi>();
                    claimed = await inbox.ClaimAsync(
                        new ClaimRequest(poller.PollerId, wanted, kinds, (int)poller.LongPollWait.TotalMilliseconds), cancellationToken);
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
                    running.Add(ProcessAsync(inbox, item, cancellationToken));
                }

                if (running.Count >= poller.MaxConcurrency)
                {
                    await Task.WhenAny(running);
                }
                else if (claimed.Items.Count == 0 && poller.LongPollWait == TimeSpan.Zero)
                {
                    if (running.Count == 0)
                    {
                        return;
                    }

                    // Note: without long polling an empty answer comes at once: while items are still in flight (a
                    // slow CRM hook), claim again after an interval so new messages still meet their WeChat request.
                    await Task.WhenAny(Task.WhenAll(running), Task.Delay(poller.Interval, time, cancellationToken));
                }

                // Note: otherwise claim again at once: with long polling the claim itself waits for the next callback.

                running.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down. Not refired: unfinished items keep their lease and return to the inbox's queue when it ends.
            logger.LogInformation("Polling stopped by shutdown");
        }
        finally
        {
            await DrainAsync(running);
        }
    }

    private static async Task DrainAsync(List<Task> running)
    {
        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException)
        {
            // Note: cancelled by shutdown; ProcessAsync handles every other failure itself.
        }
    }

    private async Task ProcessAsync(IInboxPollerApi inbox, ClaimedItem item, CancellationToken cancellationToken)
    {
        // Note: return to the claim loop at once; the item goes on concurrently.
        await Task.Yield();
        using var correlation = Correlation.Begin(item.CorrelationId);

        // Note: a lease can end while this poller is still working on the item (a slow WeChat); the inbox then
        // hands it out again, possibly to us. Never work on one item twice at once: the second delivery waits for
        // the first, then sees its result (e.g. a ticket already issued) instead of spending the code again.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task? earlier = null;
        lock (InFlight)
        {
            if (InFlight.TryGetValue(item.Id, out var previous))
            {
                earlier = previous;
            }

            InFlight[item.Id] = done.Task;
        }

        try
        {
            if (earlier is not null)
            {
                logger.LogInformation("Item {ItemId} (correlation {CorrelationId}) delivered again while still in progress here; waiting for the first run",
                    item.Id, item.CorrelationId);
                await earlier;
            }

            await ProcessOnceAsync(inbox, item, cancellationToken);
        }
        finally
        {
            lock (InFlight)
            {
                if (InFlight.TryGetValue(item.Id, out var current) && current == done.Task)
                {
                    InFlight.Remove(item.Id);
                }
            }

            done.SetResult();
        }
    }

    private async Task ProcessOnceAsync(IInboxPollerApi inbox, ClaimedItem item, CancellationToken cancellationToken)
    {
        await using var itemScope = scopes.CreateAsyncScope();
        var services = itemScope.ServiceProvider;
        using var timer = PollerMetrics.ItemProcessing.WithLabels(item.Kind).NewTimer();
        ItemDecision decision;
        try
        {
            decision = item.Kind switch
            {
                InboxItemKinds.OAuth => await services.GetRequiredService<OAuthItemHandler>().HandleAsync(item, cancellationToken),
                InboxItemKinds.Message or InboxItemKinds.Event when messages.CurrentValue.IsEnabled =>
                    await services.GetRequiredService<MessageItemHandler>().HandleAsync(item, cancellationToken),
                _ => new ItemDecision.RetryLater($"kind '{item.Kind}' is not handled by this poller"),
            };
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Note: one broken item must not stop the batch; it goes back to the queue and MaxAttempts bounds WeChat retries.
            logger.LogError(ex, "Item {ItemId} (correlation {CorrelationId}) failed while processing", item.Id, item.CorrelationId);
            decision = new ItemDecision.RetryLater($"processing error ({ex.GetType().Name})");
        }

        PollerMetrics.ItemsProcessed.WithLabels(item.Kind, decision switch
        {
            ItemDecision.Complete => "completed",
            ItemDecision.Reply => "replied",
            ItemDecision.RetryLater => "retry",
            _ => "failed",
        }).Inc();
        switch (decision)
        {
            case ItemDecision.Complete complete:
                await CompleteAsync(inbox, item, new CompleteRequest(item.LeaseId, complete.RedirectUrl, complete.Outcome, OpenId: complete.OpenId), cancellationToken);
                break;
            case ItemDecision.Reply reply:
                var response = await CompleteAsync(inbox, item, new CompleteRequest(item.LeaseId, Outcome: reply.Outcome, ReplyBody: reply.Body), cancellationToken);
                if (response?.DeliveredPassively is { } passive)
                {
                    PollerMetrics.Replies.WithLabels(passive ? "passive" : "customer_service").Inc();
                }

                if (response is not null && reply.DedupKey is not null)
                {
                    await DeliverAsync(services, item, reply.DedupKey, response.DeliveredPassively, cancellationToken);
                }

                break;
            case ItemDecision.RetryLater retry:
                await FailAsync(inbox, item, retry.Error, retry: true, cancellationToken);
                break;
            case ItemDecision.Fail fail:
                await FailAsync(inbox, item, fail.Error, retry: false, cancellationToken);
                break;
        }
    }

    private async Task DeliverAsync(IServiceProvider services, ClaimedItem item, string dedupKey, bool? deliveredPassively, CancellationToken cancellationToken)
    {
        try
        {
            await services.GetRequiredService<ReplyDelivery>().AfterCompleteAsync(item, dedupKey, deliveredPassively, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Note: a claimed customer-service send stays pending_send and the retry job takes it up when its hold ends.
            logger.LogError(ex, "Item {ItemId} (correlation {CorrelationId}): recording the delivery of {DedupKey} failed",
                item.Id, item.CorrelationId, dedupKey);
        }
    }

    private async Task<CompleteResponse?> CompleteAsync(IInboxPollerApi inbox, ClaimedItem item, CompleteRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await inbox.CompleteAsync(item.Id, request, cancellationToken);
            logger.LogInformation("Item {ItemId} (correlation {CorrelationId}) completed: {Outcome}, inbox status {Status}",
                item.Id, item.CorrelationId, request.Outcome, response.Status);
            return response;
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Note: our lease ended and another poller holds the item now; its result stands.
            logger.LogWarning("Item {ItemId} (correlation {CorrelationId}): lease lost before completion, leaving it to its new holder",
                item.Id, item.CorrelationId);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.BadRequest)
        {
            // Note: the redirect carries the ticket and the reply the user's data, so neither they nor the inbox's echo is logged.
            logger.LogError("Item {ItemId} (correlation {CorrelationId}): inbox refused the completion ({Outcome}); failing the item",
                item.Id, item.CorrelationId, request.Outcome);
            await FailAsync(inbox, item, $"inbox refused completion with outcome {request.Outcome} (HTTP 400)", retry: false, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Note: the lease will lapse and the item come back; the handler then repeats the same answer.
            logger.LogWarning("Item {ItemId} (correlation {CorrelationId}): could not complete: {Reason}", item.Id, item.CorrelationId, Describe(ex));
        }

        return null;
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
