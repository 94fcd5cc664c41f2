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
/// Group commit of incoming callbacks (issue 14): every <see cref="ItemStore.StoreAsync(InboxItem, CallbackSignature, CancellationToken)"/>
/// and <see cref="ItemStore.StoreLoginAsync"/> of this instance queues here, and a writer (one of <see cref="Writers"/>)
/// takes whatever is waiting (up to <see cref="MaxBatch"/>) and stores it in ONE transaction: records the batch's message
/// callback signatures (<see cref="CallbackReplayGuard.CheckBatchAsync"/>), consumes its OAuth states
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
    /// flushes their commits together. Two batches with one state, or one callback signature, meet on its row lock (the
    /// second finds it used, or compares its body); both kinds of rows are taken in key order, signatures first, so
    /// batches wait on each other rather than deadlock.
    /// </summary>
    public const int Writers = 4;

    // Note: unbounded, because every entry is a request that already waits for its answer: the number in flight is
    // bounded by Kestrel's connections and the rate limiter, not here, and a bounded queue would only add a second wait.
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });

    /// <summary>The most a failed batch's callers wait for its signatures to be remembered (<see cref="RememberSignaturesAsync"/>).</summary>
    private static readonly TimeSpan RememberTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Queues <paramref name="item"/> (fully prepared by <see cref="ItemStore"/>) and waits until its batch committed.</summary>
    /// <returns>Whether it was stored (then its <see cref="InboxItem.Id"/> is set), and if not, why.</returns>
    public async Task<Ingested> StoreAsync(InboxItem item, byte[]? stateHash, CallbackSignature? signature, string detail, CancellationToken cancellationToken)
    {
        var pending = new Pending(item, stateHash, signature, detail, cancellationToken);
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
                        if (pending.Signature is null)
                        {
                            continue;
                        }

                        // Note: WeChat hung up before the batch ran, so the item is not stored, but its signature is
                        // remembered: a captured plaintext query must not store another body before WeChat's retry
                        // (the retry's same body passes as a retry), as when the check ran on arrival.
                        pending.AbandonItem();
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
                await RememberSignaturesAsync(batch);
                foreach (var p in batch)
                {
                    p.Item.Id = 0;
                    p.Result.TrySetException(ex);
                }

                return;
            }
        }
    }

    /// <summary>
    /// Remembers the signatures of a batch that rolled back, each statement on its own, before its callers are answered
    /// 503: WeChat retries the same body, which passes as a retry, while a captured plaintext query with another body is
    /// still refused. Best effort: when the database is down this fails too, and is logged; it is given
    /// <see cref="RememberTimeout"/> at most, because the batch's callers wait for it before their 503.
    /// </summary>
    private async Task RememberSignaturesAsync(List<Pending> batch)
    {
        var signatures = batch.Where(p => p.Signature is not null).Select(p => p.Signature!).ToList();
        if (signatures.Count == 0)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(RememberTimeout);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<InboxDbContext>();
            await db.Database.OpenConnectionAsync(timeout.Token);
            await CallbackReplayGuard.CheckBatchAsync((MySqlConnection)db.Database.GetDbConnection(), null, signatures,
                scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime, timeout.Token);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not remember the signatures of {Count} message callbacks after their batch failed", signatures.Count);
        }
    }

    private async Task<Ingested[]> WriteOnceAsync(List<Pending> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        return await WriteOnceAsync(services.GetRequiredService<InboxDbContext>(), services.GetRequiredService<OAuthStateStore>(), services.GetRequiredService<TimeProvider>(), batch);
    }

    /// <summary>Stores one batch in one transaction on <paramref name="db"/>'s connection; the verdicts in the batch's order.</summary>
    internal static async Task<Ingested[]> WriteOnceAsync(InboxDbContext db, OAuthStateStore states, TimeProvider time, IReadOnlyList<Pending> batch)
    {
        var verdicts = new Ingested[batch.Count];

        // Note: READ COMMITTED, so the locking read of states nobody announced takes no gap locks that would hold up the
        // gateway's announcements until this batch commits.
        await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        var transaction = (MySqlTransaction)tx.GetDbTransaction();

        // Note: a callback carries a signature or a state, never both (message callbacks, OAuth callbacks).
        var signed = batch.Where(p => p.Signature is not null).Select(p => p.Signature!).ToList();
        var replays = await CallbackReplayGuard.CheckBatchAsync(connection, transaction, signed, time.GetUtcNow().UtcDateTime);
        var logins = batch.Where(p => p.StateHash is not null).Select(p => p.StateHash!).ToList();
        var consumed = logins.Count == 0 ? [] : await states.ConsumeBatchAsync(connection, transaction, logins);
        var accepted = new List<(InboxItem Item, string Detail)>(batch.Count);
        var (signature, login) = (0, 0);
        for (var i = 0; i < batch.Count; i++)
        {
            verdicts[i] = new Ingested(
                batch[i].StateHash is null ? StateVerdict.Announced : consumed[login++],
                batch[i].Signature is null ? ReplayVerdict.New : replays[signature++]);
            if (verdicts[i].Stored && !batch[i].ItemAbandoned)
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

    internal sealed class Pending(InboxItem item, byte[]? stateHash, CallbackSignature? signature, string detail, CancellationToken cancellation)
    {
        public InboxItem Item { get; } = item;
        public byte[]? StateHash { get; } = stateHash;
        public CallbackSignature? Signature { get; } = signature;
        public string Detail { get; } = detail;
        public CancellationToken Cancellation { get; } = cancellation;

        /// <summary>True when only the signature goes into the batch: the caller left before the batch ran.</summary>
        public bool ItemAbandoned { get; private set; }

        public void AbandonItem() => ItemAbandoned = true;

        // Note: continuations run off the writer, so it goes on to the next batch while the callers answer.
        public TaskCompletionSource<Ingested> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>What the group commit decided for one callback: its OAuth state's verdict and its signature's.</summary>
/// <param name="State"><see cref="StateVerdict.Announced"/> for a callback without a state.</param>
/// <param name="Replay"><see cref="ReplayVerdict.New"/> for a callback without a signature.</param>
public readonly record struct Ingested(StateVerdict State, ReplayVerdict Replay)
{
    /// <summary>True when the item was stored: an announced state (or none), and no body replayed under a used signature.</summary>
    public bool Stored => State == StateVerdict.Announced && Replay != ReplayVerdict.Replay;
}
