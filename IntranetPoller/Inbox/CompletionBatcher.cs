using Weixin.Inbox.Contracts.Inbox;

namespace Weixin.Inbox.IntranetPoller.Inbox;

/// <summary>
/// Sends the replies of messages and events to the inbox in batches (<c>POST /poller/v1/items/complete-many</c>): the
/// completions that are ready while one batch is on its way go together in the next, so a busy poller makes one signed
/// request (and the inbox one transaction) for many replies, and a quiet one sends each at once, without waiting.
/// </summary>
/// <remarks>
/// Note: one batch in flight at a time: under load the batches grow by themselves (issue 14: two HTTP requests and a
/// transaction per message were most of the message path's cost), and no timer adds latency to a lone reply.
/// </remarks>
public sealed class CompletionBatcher(IServiceScopeFactory scopes)
{
    private readonly Lock _gate = new();
    private readonly List<Pending> _waiting = [];
    private bool _sending;

    /// <summary>
    /// Completes <paramref name="item"/> with <paramref name="completion"/> in the next batch; answers the inbox's verdict
    /// on this item. Throws when the batch's request failed as a whole (nothing is known about the item then).
    /// </summary>
    public Task<CompleteManyResult> CompleteAsync(CompleteManyItem completion)
    {
        var pending = new Pending(completion, new TaskCompletionSource<CompleteManyResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_gate)
        {
            _waiting.Add(pending);
            start = !_sending;
            _sending = true;
        }

        if (start)
        {
            // Note: without the caller's execution context, so the batch's request does not carry the first item's
            // correlation id (the batch is everyone's).
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(SendAllAsync);
            }
        }

        return pending.Result.Task;
    }

    private async Task SendAllAsync()
    {
        while (true)
        {
            List<Pending> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _sending = false;
                    return;
                }

                // Note: each id once per request (the inbox would answer a repeat "duplicate"): a second completion of
                // the same item waits for the next batch.
                var ids = new HashSet<long>();
                var bytes = 0L;
                batch = [.. _waiting.Where(p => ids.Add(p.Completion.Id)).TakeWhile(p =>
                    {
                        // Note: the signed request may carry at most SignedRequestMiddleware.MaxBodyBytes (1 MiB; nginx's
                        // /poller/ limit is the same), and a reply of 64 K characters can take six times that in JSON
                        // (\uXXXX escapes): an oversized batch would be refused whole, every item in it left to lapse.
                        // The first item always goes (alone it fits: the inbox caps a reply far below the limit).
                        bytes += EstimatedJsonBytes(p.Completion);
                        return bytes <= MaxBatchBytes || ReferenceEquals(p, _waiting[0]);
                    }).Take(CompleteManyRequest.MaxItems)];
                foreach (var p in batch)
                {
                    _waiting.Remove(p);
                }
            }

            await SendAsync(batch);
        }
    }

    private async Task SendAsync(List<Pending> batch)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var inbox = scope.ServiceProvider.GetRequiredService<IInboxCompletionApi>();
            // Note: not cancelled by shutdown: the replies are decided; a lost answer only means the leases lapse and
            // the items come back, when the handlers answer the same again (dedup).
            var response = await inbox.CompleteManyAsync(new CompleteManyRequest([.. batch.Select(p => p.Completion)]), CancellationToken.None);
            for (var n = 0; n < batch.Count; n++)
            {
                var answer = n < response.Items.Count && response.Items[n].Id == batch[n].Completion.Id
                    ? response.Items[n]
                    : response.Items.FirstOrDefault(r => r.Id == batch[n].Completion.Id);
                if (answer is null)
                {
                    batch[n].Result.TrySetException(new InvalidOperationException($"The inbox's batch answer left out item {batch[n].Completion.Id}."));
                }
                else
                {
                    batch[n].Result.TrySetResult(answer);
                }
            }
        }
        catch (Exception ex)
        {
            foreach (var p in batch)
            {
                p.Result.TrySetException(ex);
            }
        }
    }

    /// <summary>Half the signed request's limit: room for the JSON around the items and a wrong estimate.</summary>
    internal const long MaxBatchBytes = global::Weixin.Inbox.Contracts.Signing.SignedRequestMiddleware.MaxBodyBytes / 2;

    /// <summary>An upper bound of the item's JSON size: every character escaped (6 bytes), plus the id and names.</summary>
    internal static long EstimatedJsonBytes(CompleteManyItem item) =>
        128 + 6L * ((item.ReplyBody?.Length ?? 0) + (item.Outcome?.Length ?? 0) + item.LeaseId.Length);

    private sealed record Pending(CompleteManyItem Completion, TaskCompletionSource<CompleteManyResult> Result);
}
