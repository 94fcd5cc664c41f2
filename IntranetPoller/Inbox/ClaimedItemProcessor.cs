using System.Net;
using Microsoft.EntityFrameworkCore;
using Prometheus;
using Refit;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Diagnostics;
using Weixin.Inbox.IntranetPoller.Messages;

namespace Weixin.Inbox.IntranetPoller.Inbox;

/// <summary>
/// Works on one claimed item from start to end: holds its lease (<see cref="ItemLease"/>), hands it to the
/// <see cref="IItemHandler"/> of its kind, records the metrics, reports the decision to the inbox (complete or
/// fail) and, for a message reply, records how it was delivered. Every line it writes carries the item's
/// correlation id.
/// </summary>
/// <remarks>
/// With a <see cref="CompletionBatcher"/> (the host registers one), replies go to the inbox in batches; logins, failures
/// and releases keep their single requests.
/// </remarks>
public sealed class ClaimedItemProcessor(IServiceScopeFactory scopes, TimeProvider time, ILogger<ClaimedItemProcessor> logger, CompletionBatcher? batcher = null)
{
    /// <summary>Processes <paramref name="item"/>, claimed just now through <paramref name="inbox"/> with a lease of <paramref name="leaseLength"/>.</summary>
    public async Task ProcessAsync(IInboxPollerApi inbox, ClaimedItem item, TimeSpan leaseLength, CancellationToken cancellationToken)
    {
        using var correlation = Correlation.Begin(item.CorrelationId);
        await using var lease = ItemLease.Keep(inbox, item, leaseLength, time, logger, cancellationToken);
        await using var itemScope = scopes.CreateAsyncScope();
        var services = itemScope.ServiceProvider;
        if (item.Kind != InboxItemKinds.OAuth && services.GetService<GatewayDbContext>() is { } gateway)
        {
            // Note: one connection for the item's whole unit of work (dedup row, reply, delivery), given back when the
            // scope ends: each EF operation would otherwise take one from the pool and reset its session (a reset and
            // SET NAMES, ~5 of the 10 gateway statements per message in issue 14's profile).
            await gateway.Database.OpenConnectionAsync(cancellationToken);
        }

        using var timer = PollerMetrics.ItemProcessing.WithLabels(item.Kind).NewTimer();

        ItemDecision decision;
        try
        {
            decision = services.GetKeyedService<IItemHandler>(item.Kind) is { } handler
                ? await handler.HandleAsync(item, lease.Token)
                : new ItemDecision.RetryLater($"kind '{item.Kind}' is not handled by this poller");
        }
        catch (Exception) when (lease.IsLost && !cancellationToken.IsCancellationRequested)
        {
            // Note: stopped because the lease is gone; whatever the handler was doing is someone else's now.
            decision = new ItemDecision.RetryLater("lease lost");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Note: one broken item must not stop the batch; it goes back to the queue and MaxAttempts bounds WeChat retries.
            logger.LogError(ex, "Item {ItemId} failed while processing", item.Id);
            decision = new ItemDecision.RetryLater($"processing error ({ex.GetType().Name})");
        }

        if (!await lease.StopAsync())
        {
            // Note: the inbox may have handed the item to another poller already; a result reported from here could
            // overwrite theirs (a second ticket, a second reply), so it is dropped. The item's next holder decides it.
            PollerMetrics.ItemsProcessed.WithLabels(item.Kind, "lease_lost").Inc();
            logger.LogWarning("Item {ItemId}: result not reported, the lease is lost", item.Id);
            return;
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
                var response = batcher is null
                    ? await CompleteAsync(inbox, item, new CompleteRequest(item.LeaseId, Outcome: reply.Outcome, ReplyBody: reply.Body), cancellationToken)
                    : await CompleteInBatchAsync(inbox, item, new CompleteManyItem(item.Id, item.LeaseId, reply.Outcome, reply.Body), cancellationToken);
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
            logger.LogError(ex, "Item {ItemId}: recording the delivery of {DedupKey} failed", item.Id, dedupKey);
        }
    }

    private async Task<CompleteResponse?> CompleteAsync(IInboxPollerApi inbox, ClaimedItem item, CompleteRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await inbox.CompleteAsync(item.Id, request, cancellationToken);
            logger.LogInformation("Item {ItemId} completed: {Outcome}, inbox status {Status}", item.Id, request.Outcome, response.Status);
            return response;
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Note: our lease ended and another poller holds the item now; its result stands.
            logger.LogWarning("Item {ItemId}: lease lost before completion, leaving it to its new holder", item.Id);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.BadRequest)
        {
            // Note: the redirect carries the ticket and the reply the user's data, so neither they nor the inbox's echo is logged.
            logger.LogError("Item {ItemId}: inbox refused the completion ({Outcome}); failing the item", item.Id, request.Outcome);
            await FailAsync(inbox, item, $"inbox refused completion with outcome {request.Outcome} (HTTP 400)", retry: false, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Note: the lease will lapse and the item come back; the handler then repeats the same answer.
            logger.LogWarning("Item {ItemId}: could not complete: {Reason}", item.Id, InboxReachability.Describe(ex));
        }

        return null;
    }

    private async Task<CompleteResponse?> CompleteInBatchAsync(IInboxPollerApi inbox, ClaimedItem item, CompleteManyItem completion, CancellationToken cancellationToken)
    {
        CompleteManyResult answer;
        try
        {
            answer = await batcher!.CompleteAsync(completion);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Note: the lease will lapse and the item come back; the handler then repeats the same answer.
            logger.LogWarning("Item {ItemId}: could not complete: {Reason}", item.Id, InboxReachability.Describe(ex));
            return null;
        }

        switch (answer.Code)
        {
            case null:
                // Note: Debug: the handler's line said what the message was and its outcome; poller_replies_total counts these.
                logger.LogDebug("Item {ItemId} completed: {Outcome}, inbox status {Status}", item.Id, completion.Outcome, answer.Status);
                return new CompleteResponse(item.Id, answer.Status ?? InboxItemStatuses.Done, answer.DeliveredPassively);
            case CompleteManyCodes.LeaseLost or CompleteManyCodes.Expired:
                // Note: our lease ended (or the item expired) and another poller may hold it now; its result stands.
                logger.LogWarning("Item {ItemId}: lease lost before completion ({Code}), leaving it to its new holder", item.Id, answer.Code);
                return null;
            case CompleteManyCodes.ReplyTooLarge or CompleteManyCodes.NotAMessage:
                logger.LogError("Item {ItemId}: inbox refused the completion ({Outcome}, {Code}); failing the item", item.Id, completion.Outcome, answer.Code);
                await FailAsync(inbox, item, $"inbox refused completion with outcome {completion.Outcome} ({answer.Code})", retry: false, cancellationToken);
                return null;
            default:
                logger.LogWarning("Item {ItemId}: inbox did not complete it ({Code})", item.Id, answer.Code);
                return null;
        }
    }

    private async Task FailAsync(IInboxPollerApi inbox, ClaimedItem item, string error, bool retry, CancellationToken cancellationToken)
    {
        try
        {
            var response = await inbox.FailAsync(item.Id, new FailRequest(item.LeaseId, error, retry), cancellationToken);
            logger.LogInformation("Item {ItemId} released (retry {Retry}): {Error}, inbox status {Status}", item.Id, retry, error, response.Status);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            logger.LogWarning("Item {ItemId}: lease lost before release", item.Id);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Item {ItemId}: could not release: {Reason}", item.Id, InboxReachability.Describe(ex));
        }
    }
}
