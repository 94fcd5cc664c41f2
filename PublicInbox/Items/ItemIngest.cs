using System.Data;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using MySqlConnector;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Callbacks;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Items;

/// <summary>
/// Group commit of incoming callbacks (issue 14): every <see cref="ItemStore.StoreAsync(InboxItem, CancellationToken)"/>
/// and <see cref="ItemStore.StoreLoginAsync"/> of this instance queues here, and a writer (one of <see cref="Writers"/>)
/// takes whatever is waiting (up to <see cref="MaxBatch"/>) and stores it in ONE transaction: consumes the batch's OAuth states
/// (<see cref="OAuthStateStore.ConsumeBatchAsync"/>), inserts the accepted items and their <c>received</c> events
/// (<see cref="ItemStore.InsertReceivedAsync"/>), commits, and only then answers each caller. So a callback is still
/// answered only after its row is committed (store-first), but N callbacks cost one commit (one fsync) instead of N.
/// A failed batch fails every callback in it (the callers answer 503); nothing of it is stored.
/// </summary>
public sealed class ItemIngest(IServiceScopeFactory scopes, ILogger<ItemIngest> logger) : BackgroundService
{
    /// <summary>Callbacks per transaction at most: bounds the statement size and the time one batch holds its locks.</summary>
    public const int MaxBatch = 128;

    /// <summary>
    /// Batches in flight at once. One writer waits for each commit (and, on a busy box, for every round trip's wake-up)
    /// before it starts the next batch; a few side by side keep the database busy while one waits, and InnoDB still
    /// flushes their commits together. Two batches with one state meet on its row lock (the second finds it used); the
    /// locking read takes the rows in key order, so they wait on each other rather than deadlock.
    /// </summary>
    public const int Writers = 4;

    // Note: unbounded, because every entry is a request that already waits for its answer: the number in flight is
    // bounded by Kestrel's connections and the rate limiter, not here, and a bounded queue would only add a second wait.
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });

    /// <summary>Queues <paramref name="item"/> (fully prepared by <see cref="ItemStore"/>) and waits until its batch committed.</summary>
    /// <returns><see cref="StateVerdict.Announced"/> when stored (its <see cref="InboxItem.Id"/> is set), otherwise why not.</returns>
    public async Task<StateVerdict> StoreAsync(InboxItem item, byte[]? stateHash, string detail, CancellationToken cancellationToken)
    {
        var pending = new Pending(item, stateHash, detail, cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The inbox is stopping: callbacks are no longer stored.");
        }

        // Note: not cancelled by the request: once its batch runs, the row may be committed whatever the browser does;
        // a request aborted while still queued is left out of its batch (Pending.Cancellation).
        return await pending.Result.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(() => WriterAsync(stoppingToken), CancellationToken.None)));
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var left))
        {
            left.Result.TrySetException(new InvalidOperationException("The inbox stopped before this callback was stored."));
        }
    }

    private async Task WriterAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(MaxBatch);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && reader.TryRead(out var pending))
                {
                    if (pending.Cancellation.IsCancellationRequested)
                    {
                        pending.Result.TrySetCanceled(pending.Cancellation);
                        continue;
                    }

                    batch.Add(pending);
                }

                if (batch.Count > 0)
                {
                    await WriteAsync(batch);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Note: stopping: callbacks still queued are answered 503 (WeChat retries, the browser is asked to retry).
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        // Note: one retry on a deadlock (or a Galera certification failure, which reports as one): the batch's
        // locking read met another instance's; the second attempt re-reads the states, so verdicts stay exact.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var verdicts = await WriteOnceAsync(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Result.TrySetResult(verdicts[i]);
                }

                return;
            }
            catch (Exception ex) when (attempt == 1 && Deadlocks.IsVictim(ex))
            {
                logger.LogWarning("Storing a batch of {Count} callbacks met a deadlock; retrying once", batch.Count);
                foreach (var p in batch)
                {
                    p.Item.Id = 0;
                }
            }
            catch (Exception ex)
            {
                // Note: the transaction rolled back: none of the batch is stored and every caller answers 503.
                logger.LogError(ex, "Could not store a batch of {Count} callbacks", batch.Count);
                foreach (var p in batch)
                {
                    p.Item.Id = 0;
                    p.Result.TrySetException(ex);
                }

                return;
            }
        }
    }

    private async Task<StateVerdict[]> WriteOnceAsync(List<Pending> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await WriteOnceAsync(scope.ServiceProvider.GetRequiredService<InboxDbContext>(), scope.ServiceProvider.GetRequiredService<OAuthStateStore>(), batch);
    }

    /// <summary>Stores one batch in one transaction on <paramref name="db"/>'s connection; the verdicts in the batch's order.</summary>
    internal static async Task<StateVerdict[]> WriteOnceAsync(InboxDbContext db, OAuthStateStore states, IReadOnlyList<Pending> batch)
    {
        var verdicts = new StateVerdict[batch.Count];

        // Note: READ COMMITTED, so the locking read of states nobody announced takes no gap locks that would hold up the
        // gateway's announcements until this batch commits.
        await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        var transaction = (MySqlTransaction)tx.GetDbTransaction();

        var logins = batch.Where(p => p.StateHash is not null).Select(p => p.StateHash!).ToList();
        var consumed = logins.Count == 0 ? [] : await states.ConsumeBatchAsync(connection, transaction, logins);
        var accepted = new List<(InboxItem Item, string Detail)>(batch.Count);
        var login = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            verdicts[i] = batch[i].StateHash is null ? StateVerdict.Announced : consumed[login++];
            if (verdicts[i] == StateVerdict.Announced)
            {
                accepted.Add((batch[i].Item, batch[i].Detail));
            }
        }

        if (accepted.Count > 0)
        {
            await ItemStore.InsertReceivedAsync(connection, transaction, accepted);
        }

        await tx.CommitAsync();
        return verdicts;
    }

    internal sealed class Pending(InboxItem item, byte[]? stateHash, string detail, CancellationToken cancellation)
    {
        public InboxItem Item { get; } = item;
        public byte[]? StateHash { get; } = stateHash;
        public string Detail { get; } = detail;
        public CancellationToken Cancellation { get; } = cancellation;

        // Note: continuations run off the writer, so it goes on to the next batch while the callers answer.
        public TaskCompletionSource<StateVerdict> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
