using System.Data;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Callbacks;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Diagnostics;
using static Weixin.Inbox.Contracts.Text.TextClip;

namespace Weixin.Inbox.PublicInbox.Items;

/// <summary>How a completion ended.</summary>
public enum Completion
{
    /// <summary>The caller's lease is not the item's (taken over, expired, released): nothing changed.</summary>
    LeaseLost,

    /// <summary>Done; for a message, WeChat's request was already gone, so the reply goes by customer service.</summary>
    Done,

    /// <summary>Done, and WeChat's waiting request carries the reply.</summary>
    DonePassively,
}

/// <summary>One message or event to complete (<see cref="ItemStore.CompleteMessagesAsync"/>).</summary>
public sealed record MessageCompletionRequest(long Id, string LeaseId, string? ReplyBody, string? Outcome);

/// <summary>
/// What <see cref="ItemStore.CompleteMessagesAsync"/> did with one request: <see cref="Completed"/> when this call
/// completed the item (null: it changed nothing), and the item's state after the call (null: no such item).
/// </summary>
public sealed record MessageCompletionResult(long Id, Completion? Completed, InboxItem? State);

/// <summary>How an admin's re-queue ended.</summary>
public enum RequeueOutcome
{
    /// <summary>Failed → pending with a new deadline.</summary>
    Requeued,

    /// <summary>No such item (perhaps deleted by retention).</summary>
    NotFound,

    /// <summary>A login cannot run again: WeChat's code is single-use and the browser has left.</summary>
    IsLogin,

    /// <summary>Only failed items may be re-queued; <see cref="RequeueResult.Status"/> says what it is.</summary>
    NotFailed,

    /// <summary>The item changed state between the read and the update (another admin or instance).</summary>
    Changed,
}

/// <summary>The outcome of <see cref="ItemStore.RequeueAsync"/>, with the item's kind and status as read.</summary>
public sealed record RequeueResult(RequeueOutcome Outcome, string? Kind = null, string? Status = null, DateTime? Deadline = null);

/// <summary>
/// The <c>inbox_items</c> rows and their timeline (<c>inbox_item_events</c>): every write to either table is here.
/// Each transition is one conditional statement (the state it leaves in its WHERE clause) with its time, and
/// appends its event, so any number of inbox instances may race on one item. Every transition also wakes this
/// instance's waiters (<see cref="InboxSignals"/>); waiters on other instances find it in MySQL. Times are UTC.
/// </summary>
/// <remarks>
/// <paramref name="ingest"/> is the group commit of new callbacks (registered by the host); without it (a store built by
/// hand) a new callback is stored alone, through the same statements, on <paramref name="db"/>'s connection.
/// </remarks>
public sealed partial class ItemStore(
    InboxDbContext db, InboxSignals signals, TimeProvider time, IOptions<InboxOptions> options, ILogger<ItemStore> logger, ItemIngest? ingest = null)
{
    /// <summary>Overdue items expired per statement: a long outage's backlog goes in a few short transactions.</summary>
    private const int ExpiryBatchSize = 1000;

    /// <summary>Per-item log lines an expiry writes before it sums the rest up in one line.</summary>
    private const int ExpiryLinesPerItem = 20;

    public DateTime UtcNow => time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Stores a message callback as a pending item with its <c>received</c> event, in one transaction, and wakes
    /// long-polling claims, unless its <paramref name="signature"/>'s timestamp and nonce already came with another body
    /// (<see cref="ReplayVerdict.Replay"/>: nothing is stored). The caller fills in the payload; the status, times,
    /// deadline and wait state are set here. Returns once the row is committed (with <see cref="InboxItem.Id"/> set); the
    /// commit is shared with the callbacks arriving at the same moment (<see cref="ItemIngest"/>).
    /// </summary>
    public async Task<ReplayVerdict> StoreAsync(InboxItem item, CallbackSignature signature, CancellationToken cancellationToken)
    {
        var detail = Prepare(item);
        var verdict = await StoreOneAsync(item, null, signature, detail, cancellationToken);
        if (verdict.Stored)
        {
            Stored(item, detail);
        }

        return verdict.Replay;
    }

    /// <summary>
    /// Stores an OAuth callback as <see cref="StoreAsync(InboxItem, CallbackSignature, CancellationToken)"/> does, but only when its state
    /// (<paramref name="stateHash"/>) is announced, unused and unexpired, consuming it in the same transaction, so the
    /// state is used if and only if the item exists. Answers <see cref="StateVerdict.Announced"/> when stored, otherwise
    /// why nothing was stored.
    /// </summary>
    public async Task<StateVerdict> StoreLoginAsync(InboxItem item, byte[] stateHash, CancellationToken cancellationToken)
    {
        var detail = Prepare(item);
        var verdict = await StoreOneAsync(item, stateHash, null, detail, cancellationToken);
        if (verdict.Stored)
        {
            Stored(item, detail);
        }

        return verdict.State;
    }

    private async Task<Ingested> StoreOneAsync(InboxItem item, byte[]? stateHash, CallbackSignature? signature, string detail, CancellationToken cancellationToken) =>
        ingest is not null
            ? await ingest.StoreAsync(item, stateHash, signature, detail, cancellationToken)
            : (await ItemIngest.WriteOnceAsync(db, new OAuthStateStore(db, time), time, [new ItemIngest.Pending(item, stateHash, signature, detail, cancellationToken)]))[0];

    /// <summary>The statement of the group commit (<see cref="ItemIngest"/>) that inserts new items.</summary>
    private const string InsertItems =
        "INSERT INTO inbox_items (kind, status, received_at, deadline, correlation_id, oauth_code, oauth_state, remote_ip, user_agent, cookie_hash, "
        + "attempts, body, wx_timestamp, wx_nonce, wx_encrypt_type, wx_msg_signature, open_id, wait_state) VALUES ";

    private const int InsertItemsColumns = 18;

    /// <summary>
    /// The group commit's half (<see cref="ItemIngest"/>): inserts <paramref name="items"/> (prepared by
    /// <see cref="StoreAsync(InboxItem, CallbackSignature, CancellationToken)"/>) with one multi-row INSERT and their <c>received</c>
    /// events with another, in the caller's transaction, and sets each item's id.
    /// </summary>
    internal static async Task InsertReceivedAsync(MySqlConnection connection, MySqlTransaction transaction, IReadOnlyList<(InboxItem Item, string Detail)> items)
    {
        // Note: the ids come back with RETURNING, row by row, in the order of the VALUES; auto-increment ids need not be
        // consecutive (Galera, autoinc_lock_mode=2), so nothing is computed from the first one. The correlation id comes
        // back too and is compared, so a server that returned them in another order fails the batch instead of mixing up
        // whose cookie belongs to which row.
        await using (var insert = new MySqlCommand { Connection = connection, Transaction = transaction })
        {
            var sql = new StringBuilder(InsertItems, InsertItems.Length + (items.Count * 140));
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i].Item;
                var p = "@i" + i.ToString(CultureInfo.InvariantCulture) + "_";
                sql.Append(i == 0 ? "(" : ",(");
                object?[] values =
                [
                    item.Kind, item.Status, item.ReceivedAt, item.Deadline, item.CorrelationId, item.OAuthCode, item.OAuthState, item.RemoteIp,
                    item.UserAgent, item.CookieHash, item.Attempts, item.Body, item.Timestamp, item.Nonce, item.EncryptType, item.MsgSignature,
                    item.OpenId, item.WaitState,
                ];
                for (var c = 0; c < InsertItemsColumns; c++)
                {
                    var name = p + c.ToString(CultureInfo.InvariantCulture);
                    sql.Append(c == 0 ? "" : ",").Append(name);
                    insert.Parameters.AddWithValue(name, values[c] ?? DBNull.Value);
                }

                sql.Append(')');
            }

            insert.CommandText = sql.Append(" RETURNING id, correlation_id").ToString();
            await using var reader = await insert.ExecuteReaderAsync();
            var row = 0;
            while (await reader.ReadAsync())
            {
                if (row >= items.Count || reader.GetString(1) != items[row].Item.CorrelationId)
                {
                    throw new InvalidOperationException("INSERT … RETURNING answered the new rows out of order; the batch is rolled back.");
                }

                items[row++].Item.Id = reader.GetInt64(0);
            }

            if (row != items.Count)
            {
                throw new InvalidOperationException($"INSERT … RETURNING answered {row} of {items.Count} rows; the batch is rolled back.");
            }
        }

        await using (var events = new MySqlCommand { Connection = connection, Transaction = transaction })
        {
            var sql = new StringBuilder("INSERT INTO inbox_item_events (item_id, at, type, actor, detail) VALUES ", 80 + (items.Count * 40));
            events.Parameters.AddWithValue("@type", InboxEventTypes.Received);
            for (var i = 0; i < items.Count; i++)
            {
                var n = i.ToString(CultureInfo.InvariantCulture);
                // Note: the id is a number this transaction just got back, so it is written inline.
                sql.Append(i == 0 ? "(" : ",(").Append(items[i].Item.Id.ToString(CultureInfo.InvariantCulture))
                    .Append(",@a").Append(n).Append(",@type,NULL,@d").Append(n).Append(')');
                events.Parameters.AddWithValue("@a" + n, items[i].Item.ReceivedAt);
                events.Parameters.AddWithValue("@d" + n, Clip(items[i].Detail, 1024));
            }

            events.CommandText = sql.ToString();
            await events.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Sets what every new item starts with; answers the detail of its <c>received</c> event.</summary>
    private string Prepare(InboxItem item)
    {
        var now = UtcNow;
        var login = item.Kind == InboxItemKinds.OAuth;
        item.Status = InboxItemStatuses.Pending;
        // Note: whole microseconds, as MySQL keeps them, so the item in hand equals the row.
        item.ReceivedAt = now.AddTicks(-(now.Ticks % 10));
        item.Attempts = 0;
        item.Deadline = item.ReceivedAt + (login ? options.Value.LoginTimeout : options.Value.MessageDeadline);
        // Note: a message's WeChat request waits for the reply from the start; a login has no such request.
        item.WaitState = login ? null : WaitStates.Waiting;
        return login
            ? item.OAuthCode is null ? "OAuth callback without code (consent refused)" : "OAuth callback with code"
            : $"{item.Kind} callback ({(item.EncryptType is null ? "plaintext" : "safe mode")})";
    }

    /// <summary>After the commit: wakes the claims, counts it, and writes the one line that says where the callback went.</summary>
    private void Stored(InboxItem item, string detail)
    {
        signals.ItemStored();
        InboxMetrics.CallbacksReceived.WithLabels(item.Kind).Inc();
        using (About(item.CorrelationId))
        {
            if (item.Kind == InboxItemKinds.OAuth)
            {
                logger.LogInformation("Stored OAuth callback as item {ItemId} (consent {Consent})", item.Id, item.OAuthCode is null ? "refused" : "given");
            }
            else
            {
                logger.LogInformation("Stored {Kind} callback as item {ItemId} ({Detail})", item.Kind, item.Id, detail);
            }
        }
    }

    /// <summary>
    /// Leases up to <paramref name="maxItems"/> items of <paramref name="kinds"/> to <paramref name="pollerId"/>: pending
    /// ones and ones whose lease lapsed, never ones past their deadline. Returns the rows as they stand after the claim
    /// (one lease id for the batch). <paramref name="recordContact"/> notes the poller's visit even when nothing came back,
    /// with the WeChat conditions it reports (<paramref name="alerts"/>, already validated; null or empty clears them).
    /// </summary>
    public async Task<List<InboxItem>> ClaimAsync(
        string pollerId, int maxItems, IReadOnlyCollection<string> kinds, bool recordContact, IReadOnlyList<PollerAlert>? alerts, CancellationToken cancellationToken)
    {
        // Note: the whole claim rolls back on a deadlock (nothing leased, no events); a second try sees the rows as they
        // are now. Without it the poller got a 500 and waited a poll interval for work that was there.
        // Only the transaction is run again: the read-back, signals, metrics and log lines below come after its commit,
        // so a failure there (on a cluster, a causal read timing out) never leases a second batch.
        var (ids, now) = await RetryDeadlockAsync($"Claim for {pollerId}", () => LeaseOnceAsync(pollerId, maxItems, kinds, recordContact, alerts, cancellationToken));
        if (ids.Count == 0)
        {
            return [];
        }

        // Note: in the order claimed (messages first), so a poller short of slots starts the urgent ones first.
        var rows = await db.Items.AsNoTracking().Where(i => ids.Contains(i.Id)).ToDictionaryAsync(i => i.Id, cancellationToken);
        var items = ids.Where(rows.ContainsKey).Select(id => rows[id]).ToList();
        foreach (var item in items)
        {
            if (item.Kind == InboxItemKinds.OAuth)
            {
                signals.ItemChanged(item.Id); // Note: the waiting page shows 处理中 at once (WeChat's request has nothing to show).
            }

            if (item.Attempts == 1)
            {
                InboxMetrics.ClaimLatency.WithLabels(item.Kind).Observe(Math.Max(0, (now - item.ReceivedAt).TotalSeconds));
            }

            if (item.Attempts > 1 || logger.IsEnabled(LogLevel.Debug))
            {
                using (About(item.CorrelationId))
                {
                    // Note: a first lease is Debug: the claim's line ("Claimed N items for …") and the timeline say it;
                    // a second attempt (a retry, a lapsed lease taken over) stays worth a line of its own.
                    logger.Log(item.Attempts > 1 ? LogLevel.Information : LogLevel.Debug,
                        "Item {ItemId} leased to {PollerId} (attempt {Attempt})", item.Id, pollerId, item.Attempts);
                }
            }
        }

        return items;
    }

    /// <summary>
    /// Runs one transaction of this store up to <see cref="Deadlocks.Attempts"/> times while the database picks it as a
    /// deadlock victim (on a Galera cluster: a certification conflict). Each run starts from scratch: the rolled-back
    /// run's tracked entities are dropped, and every caller's statements are conditional on the state they find.
    /// </summary>
    private async Task<T> RetryDeadlockAsync<T>(string what, Func<Task<T>> run)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await run();
            }
            catch (Exception ex) when (attempt < Deadlocks.Attempts && Deadlocks.IsVictim(ex))
            {
                db.ChangeTracker.Clear();
                logger.LogWarning("{Operation} met a deadlock (attempt {Attempt}); trying again", what, attempt);
            }
        }
    }

    /// <summary>The claim's transaction: leases the rows and records the events and the poller's visit; answers the ids leased (in claim order) and the time it used.</summary>
    private async Task<(List<long> Ids, DateTime Now)> LeaseOnceAsync(
        string pollerId, int maxItems, IReadOnlyCollection<string> kinds, bool recordContact, IReadOnlyList<PollerAlert>? alerts, CancellationToken cancellationToken)
    {
        // Note: stored as the poller sent them (bounded by the poller API's checks); the dashboard encodes them when shown.
        var alertsJson = alerts is { Count: > 0 } ? PollerAlerts.Serialize(alerts) : null;
        var now = UtcNow;
        var leaseUntil = now + options.Value.LeaseDuration;
        var leaseId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        // Note: lapsed leases first (how a crashed poller's work returns), found by a plain read and then locked by
        // id with their condition checked again: a locking scan of the leased rows would lock every item in flight
        // (their lease end is not in the index), and a completion changing one of them would deadlock with it.
        var candidates = new List<Candidate>();
        var kindList = string.Join(',', kinds);
        var lapsed = await db.Database.SqlQuery<long>($"""
            SELECT id AS Value FROM inbox_items
            WHERE status = 'leased' AND lease_until < {now} AND (deadline IS NULL OR deadline > {now}) AND FIND_IN_SET(kind, {kindList}) > 0
            ORDER BY id
            LIMIT {maxItems}
            """).ToListAsync(cancellationToken);
        if (lapsed.Count > 0)
        {
            // Note: the ids were just read from the table, so the list is safe to inline.
#pragma warning disable EF1002
            candidates.AddRange(await db.Database.SqlQueryRaw<Candidate>($"""
                SELECT id AS Id, status AS Status, leased_by AS LeasedBy FROM inbox_items
                WHERE id IN ({string.Join(',', lapsed)}) AND status = 'leased' AND lease_until < @p0 AND (deadline IS NULL OR deadline > @p0)
                ORDER BY id
                FOR UPDATE SKIP LOCKED
                """, now).ToListAsync(cancellationToken));
#pragma warning restore EF1002
        }

        // Note: then pending items, one query per kind in ClaimOrder (WeChat's messages and events wait 4 s for their
        // reply, a login 60 s), each walking the (kind, status, id) index from the start of its pending range: a
        // backlog of thousands of pending logins costs the message query nothing, and the login query runs only for
        // what the batch still has room for. ORDER BY id follows that index, so only the rows returned get locked; a
        // sort would lock every candidate first, starving a poller claiming at the same moment. SKIP LOCKED lets
        // several pollers (and inbox instances) claim at once without waiting on each other's rows.
        foreach (var kind in ClaimOrder)
        {
            var room = maxItems - candidates.Count;
            if (room <= 0)
            {
                break;
            }

            if (!kinds.Contains(kind))
            {
                continue;
            }

            candidates.AddRange(await db.Database.SqlQuery<Candidate>($"""
                SELECT id AS Id, status AS Status, leased_by AS LeasedBy FROM inbox_items FORCE INDEX (ix_inbox_items_kind_status_id)
                WHERE kind = {kind} AND status = 'pending' AND (deadline IS NULL OR deadline > {now})
                ORDER BY id
                LIMIT {room}
                FOR UPDATE SKIP LOCKED
                """).ToListAsync(cancellationToken));
        }

        var ids = candidates.Select(c => c.Id).ToList();
        if (ids.Count > 0)
        {
            // Note: a new lease id on a taken-over item is what refuses the old holder's extend, complete and fail.
            await db.Items.Where(i => ids.Contains(i.Id)).ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Leased)
                .SetProperty(i => i.LeaseId, leaseId)
                .SetProperty(i => i.LeasedBy, pollerId)
                .SetProperty(i => i.LeaseUntil, leaseUntil)
                .SetProperty(i => i.ClaimedAt, now)
                .SetProperty(i => i.Attempts, i => i.Attempts + 1), cancellationToken);

            foreach (var c in candidates)
            {
                if (c.Status == InboxItemStatuses.Leased)
                {
                    db.ItemEvents.Add(Event(c.Id, now, InboxEventTypes.LeaseExpired, c.LeasedBy, "lease ended without completion; item taken over"));
                }

                db.ItemEvents.Add(Event(c.Id, now, InboxEventTypes.Claimed, pollerId, ClaimedDetail(leaseUntil)));
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        if (recordContact || ids.Count > 0)
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO pollers (poller_id, first_seen_at, last_claim_at, last_claim_count, alerts) VALUES ({pollerId}, {now}, {now}, {ids.Count}, {alertsJson})
            ON DUPLICATE KEY UPDATE last_claim_at = {now}, last_claim_count = {ids.Count}, alerts = {alertsJson}
            """, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return (ids, now);
    }

    /// <summary>
    /// Moves the end of a lease its holder still owns to now + <c>Inbox:LeaseDuration</c>; returns the new end, or
    /// null when <paramref name="leaseId"/> is not the item's lease any more (taken over, completed, failed, expired)
    /// or the item is past its deadline.
    /// </summary>
    public Task<DateTime?> ExtendLeaseAsync(long id, string leaseId, CancellationToken cancellationToken)
    {
        // Note: two autocommit statements, each all or nothing; running them again gives the same result.
        return RetryDeadlockAsync($"Extending the lease of item {id}", () => ExtendLeaseOnceAsync(id, leaseId, cancellationToken));
    }

    private async Task<DateTime?> ExtendLeaseOnceAsync(long id, string leaseId, CancellationToken cancellationToken)
    {
        var now = UtcNow;
        // Note: whole microseconds, as MySQL keeps them, so the end the poller is told is the one stored.
        var until = now + options.Value.LeaseDuration;
        until = until.AddTicks(-(until.Ticks % 10));
        // Note: a lapsed lease nobody took over yet is still the holder's (complete accepts it too); once another
        // poller claimed the item its lease id replaced this one, and the holder must stop. Past the deadline
        // nobody waits for the result any more, so the lease is not prolonged into the expiry.
        var extended = await db.Items
            .Where(i => i.Id == id && i.Status == InboxItemStatuses.Leased && i.LeaseId == leaseId && (i.Deadline == null || i.Deadline > now))
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.LeaseUntil, until), cancellationToken);
        if (extended == 0)
        {
            return null;
        }

        // Note: no event per renewal: a poller renews every few seconds while it works, which would bury the
        // timeline. The lease's own "claimed" event (the item's latest, as the lease is still this one) is updated
        // instead, so the timeline shows the lease's current end and that it was extended.
        var detail = $"{ClaimedDetail(until)}; extended at {now:O}";
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE inbox_item_events SET detail = {detail}
            WHERE item_id = {id} AND type = {InboxEventTypes.Claimed}
            ORDER BY id DESC LIMIT 1
            """, cancellationToken);
        return until;
    }

    /// <summary>Completes a leased login with where the browser goes next; <see cref="Completion.LeaseLost"/> when the lease is not the caller's.</summary>
    public Task<Completion> CompleteLoginAsync(
        InboxItem item, string leaseId, string redirectUrl, string? openId, string? outcome, CancellationToken cancellationToken) =>
        RetryDeadlockAsync($"Completing login item {item.Id}", () => CompleteLoginOnceAsync(item, leaseId, redirectUrl, openId, outcome, cancellationToken));

    private async Task<Completion> CompleteLoginOnceAsync(
        InboxItem item, string leaseId, string redirectUrl, string? openId, string? outcome, CancellationToken cancellationToken)
    {
        var now = UtcNow;
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await Owned(item.Id, leaseId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Done)
                .SetProperty(i => i.CompletedAt, now)
                .SetProperty(i => i.RedirectUrl, redirectUrl)
                .SetProperty(i => i.OpenId, openId != null && openId.Length <= 64 ? openId : null)
                .SetProperty(i => i.Outcome, Clip(outcome, 64)), cancellationToken);
        if (changed == 0)
        {
            return Completion.LeaseLost;
        }

        await RecordAsync(item.Id, now, InboxEventTypes.Completed, item.LeasedBy, outcome, cancellationToken);
        await tx.CommitAsync(cancellationToken);

        signals.ItemChanged(item.Id);
        InboxMetrics.ProcessingLatency.WithLabels(item.Kind).Observe(Math.Max(0, (now - item.ReceivedAt).TotalSeconds));
        using (About(item.CorrelationId))
        {
            logger.LogInformation("Item {ItemId} completed by {PollerId} with outcome {Outcome}", item.Id, item.LeasedBy, outcome);
        }

        return Completion.Done;
    }

    /// <summary>
    /// Completes a leased message or event with its reply (empty = none) and decides, against WeChat's waiting request,
    /// who delivers it: <see cref="Completion.DonePassively"/> when that request still waits (the wait state becomes
    /// answered), <see cref="Completion.Done"/> when it is gone (customer service must send it).
    /// </summary>
    public async Task<Completion> CompleteMessageAsync(InboxItem item, string leaseId, string? replyBody, string? outcome, CancellationToken cancellationToken) =>
        (await CompleteMessagesAsync([new MessageCompletionRequest(item.Id, leaseId, replyBody, outcome)], cancellationToken))[0].Completed ?? Completion.LeaseLost;

    /// <summary>
    /// Completes leased messages and events (<see cref="CompleteMessageAsync"/> for each), all in one transaction, and
    /// answers per request, in the caller's order: whether this call completed the item (and who delivers its reply), and
    /// the item's state after it (null: no such item), from which the caller tells a repeat, a lost lease or a login apart.
    /// </summary>
    /// <remarks>
    /// Note: per item one UPDATE whose WHERE clause is the whole decision (still leased with this lease, not a login) and
    /// whose <c>wait_state</c> expression decides the race with WeChat's waiting request (see
    /// <see cref="CloseReplyWindowAsync"/>): the row lock makes exactly one of "answered" and "gone" win. No state is read
    /// first. The events (completed, and replied passively when it was answered) come from one INSERT … SELECT over the rows
    /// this call completed, recognised by their completion time and lease; one SELECT reads every item's state back. So a
    /// batch of N costs one round trip for all of its statements plus BEGIN and COMMIT, instead of six round trips per item.
    /// </remarks>
    public async Task<IReadOnlyList<MessageCompletionResult>> CompleteMessagesAsync(IReadOnlyList<MessageCompletionRequest> requests, CancellationToken cancellationToken)
    {
        var now = UtcNow;
        // Note: whole microseconds, as MySQL keeps them: the events' SELECT recognises this call's rows by completed_at.
        now = now.AddTicks(-(now.Ticks % 10));
        // Note: rolled back as a whole on a deadlock; the rows are taken in id order, so this is rare on one server (a
        // claim's lapsed-lease pass) and common on a Galera cluster (certification conflicts).
        var rows = await RetryDeadlockAsync($"Completing {requests.Count} items", () => CompleteMessagesOnceAsync(requests, now, cancellationToken));

        var results = new MessageCompletionResult[requests.Count];
        var completed = 0;
        var passively = 0;
        for (var n = 0; n < requests.Count; n++)
        {
            var request = requests[n];
            var row = rows.GetValueOrDefault(request.Id);
            var mine = row is not null && row.Status == InboxItemStatuses.Done && row.LeaseId == request.LeaseId && row.CompletedAt == now
                && row.Kind != InboxItemKinds.OAuth && results.Take(n).All(r => r.Id != request.Id);
            if (!mine)
            {
                results[n] = new MessageCompletionResult(request.Id, null, row);
                continue;
            }

            var passive = row!.WaitState == WaitStates.Answered;
            results[n] = new MessageCompletionResult(request.Id, passive ? Completion.DonePassively : Completion.Done, row);
            completed++;
            passively += passive ? 1 : 0;
            if (passive)
            {
                // Note: committed as answered, so the waiting request may send it now; it need not read the row back.
                signals.ItemAnswered(row.Id, request.ReplyBody ?? "");
            }
            else
            {
                signals.ItemChanged(row.Id);
            }

            InboxMetrics.ProcessingLatency.WithLabels(row.Kind).Observe(Math.Max(0, (now - row.ReceivedAt).TotalSeconds));
            InboxMetrics.Replies.WithLabels(passive ? "passive" : "customer_service").Inc();
            if (logger.IsEnabled(LogLevel.Debug))
            {
                using (About(row.CorrelationId))
                {
                    // Note: Debug: the item's timeline, inbox_replies_total and the batch's line below tell the story.
                    logger.LogDebug("Item {ItemId} completed by {PollerId} with outcome {Outcome}; delivered passively: {Passive}",
                        row.Id, row.LeasedBy, request.Outcome, passive);
                }
            }
        }

        if (completed > 0)
        {
            logger.LogInformation("Completed {Count} message items ({Passive} answered passively, {CustomerService} by customer service) of {Requested} reported",
                completed, passively, completed - passively, requests.Count);
        }

        return results;
    }

    private async Task<Dictionary<long, InboxItem>> CompleteMessagesOnceAsync(IReadOnlyList<MessageCompletionRequest> requests, DateTime now, CancellationToken cancellationToken)
    {
        await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        await using var command = new MySqlCommand { Connection = connection, Transaction = (MySqlTransaction)tx.GetDbTransaction() };
        command.Parameters.AddWithValue("@now", now);
        command.Parameters.AddWithValue("@completed", InboxEventTypes.Completed);
        command.Parameters.AddWithValue("@passive", InboxEventTypes.RepliedPassively);
        var sql = new StringBuilder(256 * requests.Count);
        var events = new StringBuilder(256 * requests.Count);
        // Note: in id order, as the claim locks them, so two batches (or a batch and a claim) wait rather than deadlock.
        var seen = new HashSet<long>();
        foreach (var (request, n) in requests.Select((r, n) => (r, n)).OrderBy(x => x.r.Id))
        {
            if (!seen.Add(request.Id))
            {
                continue; // Note: a repeated id is answered from its first request's row (unchanged by the second).
            }

            var i = n.ToString(CultureInfo.InvariantCulture);
            command.Parameters.AddWithValue("@id" + i, request.Id);
            command.Parameters.AddWithValue("@l" + i, request.LeaseId);
            command.Parameters.AddWithValue("@r" + i, request.ReplyBody ?? "");
            command.Parameters.AddWithValue("@o" + i, (object?)Clip(request.Outcome, 64) ?? DBNull.Value);
            command.Parameters.AddWithValue("@e" + i, (object?)Clip(request.Outcome, 1024) ?? DBNull.Value);
            command.Parameters.AddWithValue("@p" + i, string.IsNullOrEmpty(request.ReplyBody) ? "no reply (success)" : "reply handed to the waiting WeChat request");
            sql.Append("UPDATE inbox_items SET status = 'done', completed_at = @now, reply_body = @r").Append(i).Append(", outcome = @o").Append(i)
                .Append(", wait_state = IF(wait_state = 'waiting', 'answered', wait_state) WHERE id = @id").Append(i)
                .Append(" AND status = 'leased' AND lease_id = @l").Append(i).Append(" AND kind <> 'oauth';\n");
            var mine = " FROM inbox_items WHERE id = @id" + i + " AND status = 'done' AND lease_id = @l" + i + " AND completed_at = @now AND kind <> 'oauth'";
            events.Append(events.Length == 0 ? "" : " UNION ALL ")
                .Append("SELECT id, @now, @completed, leased_by, @e").Append(i).Append(mine)
                .Append(" UNION ALL SELECT id, @now, @passive, NULL, @p").Append(i).Append(mine).Append(" AND wait_state = 'answered'");
        }

        sql.Append("INSERT INTO inbox_item_events (item_id, at, type, actor, detail) ").Append(events).Append(";\n");
        sql.Append("SELECT id, kind, status, lease_id, leased_by, wait_state, received_at, completed_at, correlation_id FROM inbox_items WHERE id IN (")
            .AppendJoin(',', seen.Select(id => id.ToString(CultureInfo.InvariantCulture))).Append(')'); // Note: numbers, safe inline.
        command.CommandText = sql.ToString();

        var rows = new Dictionary<long, InboxItem>(requests.Count);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = new InboxItem
                {
                    Id = reader.GetInt64(0),
                    Kind = reader.GetString(1),
                    Status = reader.GetString(2),
                    LeaseId = reader.IsDBNull(3) ? null : reader.GetString(3),
                    LeasedBy = reader.IsDBNull(4) ? null : reader.GetString(4),
                    WaitState = reader.IsDBNull(5) ? null : reader.GetString(5),
                    ReceivedAt = reader.GetDateTime(6),
                    CompletedAt = reader.IsDBNull(7) ? null : reader.GetDateTime(7),
                    CorrelationId = reader.GetString(8),
                };
                rows[row.Id] = row;
            }
        }

        await tx.CommitAsync(cancellationToken);
        return rows;
    }

    /// <summary>Puts a leased item back in the queue for another attempt; false when the lease is not the caller's.</summary>
    public async Task<bool> ReleaseForRetryAsync(InboxItem item, string leaseId, string error, CancellationToken cancellationToken)
    {
        var now = UtcNow;
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await Owned(item.Id, leaseId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Pending)
                .SetProperty(i => i.LeaseId, (string?)null)
                .SetProperty(i => i.LeaseUntil, (DateTime?)null)
                .SetProperty(i => i.Error, Clip(error, 1024)), cancellationToken);
        if (changed == 0)
        {
            return false;
        }

        await RecordAsync(item.Id, now, InboxEventTypes.Released, item.LeasedBy, error, cancellationToken);
        await tx.CommitAsync(cancellationToken);

        signals.ItemChanged(item.Id);
        signals.ItemStored(); // Note: pending again: a long-polling claim may take it at once.
        using (About(item.CorrelationId))
        {
            logger.LogWarning("Item {ItemId} released for retry by {PollerId}: {Error}", item.Id, item.LeasedBy, error);
        }

        return true;
    }

    /// <summary>Ends a leased item as failed for good; false when the lease is not the caller's.</summary>
    public async Task<bool> FailAsync(InboxItem item, string leaseId, string error, CancellationToken cancellationToken)
    {
        var now = UtcNow;
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await Owned(item.Id, leaseId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Failed)
                .SetProperty(i => i.FailedAt, now)
                .SetProperty(i => i.Error, Clip(error, 1024)), cancellationToken);
        if (changed == 0)
        {
            return false;
        }

        await RecordAsync(item.Id, now, InboxEventTypes.Failed, item.LeasedBy, error, cancellationToken);
        await tx.CommitAsync(cancellationToken);

        signals.ItemChanged(item.Id);
        using (About(item.CorrelationId))
        {
            logger.LogWarning("Item {ItemId} failed by {PollerId}: {Error}", item.Id, item.LeasedBy, error);
        }

        return true;
    }

    /// <summary>
    /// Marks pending or leased items past their deadline as expired (only <paramref name="onlyItemId"/> when given) and
    /// returns how many this call expired. Set-based: per batch one locking SELECT, one INSERT … SELECT for the events,
    /// one UPDATE for the items.
    /// </summary>
    public async Task<int> ExpireOverdueAsync(long? onlyItemId, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var expired = await RetryDeadlockAsync("Expiring overdue items", () => ExpireBatchAsync(onlyItemId, cancellationToken));
            total += expired;
            if (expired < ExpiryBatchSize)
            {
                return total;
            }
        }
    }

    private async Task<int> ExpireBatchAsync(long? onlyItemId, CancellationToken cancellationToken)
    {
        var now = UtcNow;
        await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        // Note: FOR UPDATE SKIP LOCKED makes the rows this run expires its own until the commit: a second instance
        // (the sweeper, a claim, a waiting page, elsewhere) skips them instead of waiting, and the events below
        // are written for exactly these rows, once. No ORDER BY: the (status, deadline) index is walked and only
        // the rows returned are locked.
        var overdue = await db.Database.SqlQuery<Overdue>($"""
            SELECT id AS Id, status AS Status, attempts AS Attempts, correlation_id AS CorrelationId FROM inbox_items
            WHERE status IN ('pending', 'leased') AND deadline <= {now} AND ({onlyItemId} IS NULL OR id = {onlyItemId})
            LIMIT {ExpiryBatchSize}
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);
        if (overdue.Count == 0)
        {
            return 0;
        }

        var ids = overdue.Select(o => o.Id).ToList();
        // Note: the events first, while each row still says whether it was waiting or in work; the ids are numbers
        // this transaction just read (and holds), so the list is safe to inline.
#pragma warning disable EF1002
        await db.Database.ExecuteSqlRawAsync($"""
            INSERT INTO inbox_item_events (item_id, at, type, actor, detail)
            SELECT id, @p0, @p1, NULL, CASE
                WHEN status = 'leased' THEN CONCAT('still leased at the deadline after ', attempts, ' attempt(s)')
                WHEN attempts = 0 THEN 'never claimed: the intranet poller did not answer before the deadline'
                ELSE CONCAT('back in the queue at the deadline after ', attempts, ' attempt(s); not claimed again in time') END
            FROM inbox_items WHERE id IN ({string.Join(',', ids)})
            """, [now, InboxEventTypes.Expired], cancellationToken);
#pragma warning restore EF1002

        // Note: the lease id goes, so a late complete or extend with the old lease cannot succeed.
        var expired = await db.Items
            .Where(i => ids.Contains(i.Id) && (i.Status == InboxItemStatuses.Pending || i.Status == InboxItemStatuses.Leased))
            .ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Expired)
                .SetProperty(i => i.ExpiredAt, now)
                .SetProperty(i => i.LeaseId, (string?)null), cancellationToken);
        await tx.CommitAsync(cancellationToken);

        foreach (var item in overdue)
        {
            signals.ItemChanged(item.Id); // Note: WeChat's waiting request and the waiting page learn of it at once.
        }

        // Note: one line per item (with the item's correlation id, so a login's trail ends with it) for a normal
        // sweep; a backlog after a long outage is summed up in one line instead of thousands.
        foreach (var item in overdue.Take(ExpiryLinesPerItem))
        {
            using (About(item.CorrelationId))
            {
                logger.LogWarning("Item {ItemId} expired: still {Status} at its deadline after {Attempts} attempt(s)", item.Id, item.Status, item.Attempts);
            }
        }

        if (overdue.Count > ExpiryLinesPerItem)
        {
            logger.LogWarning("Expired {Count} overdue items in one batch (first {Logged} logged above): {ItemIds}",
                overdue.Count, ExpiryLinesPerItem, string.Join(',', ids));
        }

        return expired;
    }

    /// <summary>
    /// Closes WeChat's reply window of a message nobody answered in <c>Inbox:ReplyWait</c>: the wait state becomes
    /// gone and the request answers "success". False when the completion won the race (the reply is there to send).
    /// </summary>
    public async Task<bool> CloseReplyWindowAsync(long id, string correlationId, CancellationToken cancellationToken)
    {
        var now = UtcNow;
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        // Note: the completion may land at this very moment; the conditional update decides who won.
        var closed = await db.Items.Where(i => i.Id == id && i.WaitState == WaitStates.Waiting)
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.WaitState, WaitStates.Gone), cancellationToken);
        if (closed == 0)
        {
            return false;
        }

        await RecordAsync(id, now, InboxEventTypes.PassiveWindowClosed, null,
            $"no reply within {options.Value.ReplyWait.TotalSeconds:0.#} s; answered success", cancellationToken);
        await tx.CommitAsync(cancellationToken);
        using (About(correlationId))
        {
            logger.LogInformation("Item {ItemId}: no reply within the wait, answered success", id);
        }

        return true;
    }

    /// <summary>
    /// Records that the waiting page sent the browser on to the result; true the first time only. The one-time
    /// <c>ticket=</c> in the stored redirect URL is cleared at the same moment (the browser has it now, nobody else
    /// should: not the admin pages, not a database dump).
    /// </summary>
    public async Task<bool> MarkRedirectedAsync(long id, string correlationId, CancellationToken cancellationToken)
    {
        var now = UtcNow;
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var url = await db.Items.Where(i => i.Id == id).Select(i => i.RedirectUrl).SingleOrDefaultAsync(cancellationToken);
        var cleared = WithoutTicket(url);
        var first = await db.Items.Where(i => i.Id == id && i.RedirectedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.RedirectedAt, now).SetProperty(i => i.RedirectUrl, cleared), cancellationToken);
        if (first == 0)
        {
            return false;
        }

        await RecordAsync(id, now, InboxEventTypes.BrowserRedirected, null,
            cleared != url ? "waiting page sent the browser on; ticket cleared from the stored URL" : "waiting page sent the browser on", cancellationToken);
        await tx.CommitAsync(cancellationToken);
        using (About(correlationId))
        {
            logger.LogInformation("Item {ItemId} redirected the browser", id);
        }

        return true;
    }

    /// <summary>
    /// Clears the <c>ticket=</c> from the redirect URLs of logins whose browser never came for them, once the ticket
    /// can no longer be redeemed (<c>Inbox:TicketUrlLifetime</c> after the item's deadline, which is after its
    /// completion); looks back one day (older rows lose the URL with retention). Returns how many rows were cleared.
    /// </summary>
    public async Task<int> ClearExpiredTicketsAsync(CancellationToken cancellationToken)
    {
        var now = UtcNow;
        var before = now - options.Value.TicketUrlLifetime;
        var since = before - TimeSpan.FromDays(1);
        // Note: the (status, deadline) index bounds the scan to a day of finished items.
        var rows = await db.Items.AsNoTracking()
            .Where(i => i.Status == InboxItemStatuses.Done && i.Deadline >= since && i.Deadline < before && i.Kind == InboxItemKinds.OAuth
                && i.RedirectedAt == null && i.RedirectUrl != null && i.RedirectUrl.Contains("ticket="))
            .Select(i => new { i.Id, i.RedirectUrl, i.CorrelationId }).Take(ExpiryBatchSize).ToListAsync(cancellationToken);
        var cleared = 0;
        foreach (var row in rows)
        {
            var without = WithoutTicket(row.RedirectUrl);
            if (without == row.RedirectUrl)
            {
                continue;
            }

            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            // Note: conditional on the URL read, so a redirect marked meanwhile (elsewhere) is not written twice.
            if (await db.Items.Where(i => i.Id == row.Id && i.RedirectUrl == row.RedirectUrl && i.RedirectedAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(i => i.RedirectUrl, without), cancellationToken) == 1)
            {
                await RecordAsync(row.Id, now, InboxEventTypes.TicketCleared, null, "ticket expired unused; cleared from the stored URL", cancellationToken);
                cleared++;
                using (About(row.CorrelationId))
                {
                    logger.LogInformation("Item {ItemId}: the browser never came for its ticket; cleared it from the stored redirect URL", row.Id);
                }
            }

            await tx.CommitAsync(cancellationToken);
        }

        return cleared;
    }

    /// <summary><paramref name="url"/> with the value of every <c>ticket=</c> parameter removed (the parameter name stays, empty).</summary>
    public static string? WithoutTicket(string? url) => url is null ? null : TicketParameter().Replace(url, "$1");

    [System.Text.RegularExpressions.GeneratedRegex("([?&]ticket=)[^&#]*", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex TicketParameter();

    /// <summary>
    /// An admin puts a failed message or event back in the queue with a new deadline (<c>Inbox:MessageDeadline</c>).
    /// Logins are refused: WeChat's code is single-use and the browser has long left.
    /// </summary>
    public async Task<RequeueResult> RequeueAsync(long id, string admin, CancellationToken cancellationToken)
    {
        var item = await db.Items.AsNoTracking().Where(i => i.Id == id)
            .Select(i => new { i.Kind, i.Status, i.CorrelationId }).SingleOrDefaultAsync(cancellationToken);
        if (item is null)
        {
            return new RequeueResult(RequeueOutcome.NotFound);
        }

        if (item.Kind == InboxItemKinds.OAuth)
        {
            return new RequeueResult(RequeueOutcome.IsLogin, item.Kind, item.Status);
        }

        if (item.Status != InboxItemStatuses.Failed)
        {
            return new RequeueResult(RequeueOutcome.NotFailed, item.Kind, item.Status);
        }

        var now = UtcNow;
        var deadline = now + options.Value.MessageDeadline;
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        // Note: conditional on 'failed', so two admins (or two instances) pressing at once re-queue it once.
        // WeChat's request is long gone: a reply produced now goes out through customer service.
        var changed = await db.Items
            .Where(i => i.Id == id && i.Status == InboxItemStatuses.Failed && i.Kind != InboxItemKinds.OAuth)
            .ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Pending)
                .SetProperty(i => i.LeaseId, (string?)null)
                .SetProperty(i => i.LeaseUntil, (DateTime?)null)
                .SetProperty(i => i.FailedAt, (DateTime?)null)
                .SetProperty(i => i.Deadline, deadline)
                .SetProperty(i => i.WaitState, WaitStates.Gone), cancellationToken);
        if (changed == 0)
        {
            return new RequeueResult(RequeueOutcome.Changed, item.Kind, item.Status);
        }

        await RecordAsync(id, now, InboxEventTypes.Requeued, "admin:" + admin, $"re-queued by admin {admin}; new deadline {deadline:O}", cancellationToken);
        await tx.CommitAsync(cancellationToken);

        signals.ItemStored();
        using (About(item.CorrelationId))
        {
            logger.LogInformation("Item {ItemId} re-queued by admin {AdminName}", id, admin);
        }

        return new RequeueResult(RequeueOutcome.Requeued, item.Kind, InboxItemStatuses.Pending, deadline);
    }

    /// <summary>
    /// Retention: deletes closed items (done, failed, expired) received before <paramref name="receivedBefore"/> with
    /// their events, <paramref name="batchSize"/> items per transaction; returns how many of each went.
    /// </summary>
    public async Task<(int Items, int Events)> DeleteClosedAsync(DateTime receivedBefore, int batchSize, CancellationToken cancellationToken)
    {
        var (items, events) = (0, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            var ids = await db.Items.AsNoTracking()
                .Where(i => i.ReceivedAt < receivedBefore && Closed.Contains(i.Status))
                .OrderBy(i => i.Id).Select(i => i.Id).Take(batchSize).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }

            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            events += await db.ItemEvents.Where(e => ids.Contains(e.ItemId)).ExecuteDeleteAsync(cancellationToken);
            items += await db.Items.Where(i => ids.Contains(i.Id)).ExecuteDeleteAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
            if (ids.Count < batchSize)
            {
                break;
            }
        }

        return (items, events);
    }

    /// <summary>
    /// Retention: removes the payload (bodies, reply, OAuth code and state, user agent, redirect URL, remote IP, cookie
    /// hash, nonce, signature) of closed items received before <paramref name="receivedBefore"/>, each once, with a
    /// <c>payload_purged</c> event by <paramref name="actor"/>; <paramref name="batchSize"/> items per transaction.
    /// Times, status and timeline stay. Returns how many were purged.
    /// </summary>
    public async Task<int> PurgePayloadsAsync(DateTime receivedBefore, int batchSize, string actor, string detail, CancellationToken cancellationToken)
    {
        var now = UtcNow;
        var purged = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var ids = await db.Items.AsNoTracking()
                .Where(i => i.PayloadPurgedAt == null && i.ReceivedAt < receivedBefore && Closed.Contains(i.Status))
                .OrderBy(i => i.Id).Select(i => i.Id).Take(batchSize).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }

            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            purged += await db.Items.Where(i => ids.Contains(i.Id) && i.PayloadPurgedAt == null).ExecuteUpdateAsync(u => u
                .SetProperty(i => i.PayloadPurgedAt, now)
                .SetProperty(i => i.Body, (string?)null)
                .SetProperty(i => i.ReplyBody, (string?)null)
                .SetProperty(i => i.OAuthCode, (string?)null)
                .SetProperty(i => i.OAuthState, (string?)null)
                .SetProperty(i => i.UserAgent, (string?)null)
                .SetProperty(i => i.RedirectUrl, (string?)null)
                .SetProperty(i => i.RemoteIp, (string?)null)
                .SetProperty(i => i.CookieHash, (string?)null)
                .SetProperty(i => i.Nonce, (string?)null)
                .SetProperty(i => i.MsgSignature, (string?)null), cancellationToken);
            // Note: ids are numbers we just read, so the list is safe to inline; one INSERT … SELECT per batch, for
            // the rows this statement purged (payload_purged_at = now), not ones another instance purged first.
#pragma warning disable EF1002
            await db.Database.ExecuteSqlRawAsync(
                $"INSERT INTO inbox_item_events (item_id, at, type, actor, detail) SELECT id, @p0, @p1, @p2, @p3 FROM inbox_items WHERE id IN ({string.Join(',', ids)}) AND payload_purged_at = @p0",
                [now, InboxEventTypes.PayloadPurged, actor, Clip(detail, 1024)!], cancellationToken);
#pragma warning restore EF1002
            await tx.CommitAsync(cancellationToken);
            if (ids.Count < batchSize)
            {
                break;
            }
        }

        return purged;
    }

    /// <summary>One item's timeline, oldest first.</summary>
    public Task<List<InboxItemEvent>> TimelineAsync(long id, CancellationToken cancellationToken) =>
        db.ItemEvents.AsNoTracking().Where(e => e.ItemId == id).OrderBy(e => e.Id).ToListAsync(cancellationToken);

    /// <summary>When any poller last claimed (the <c>pollers</c> rows the claim writes), or null when none ever did.</summary>
    public async Task<DateTime?> LastPollerContactAsync(CancellationToken cancellationToken) =>
        await db.Pollers.MaxAsync(p => (DateTime?)p.LastClaimAt, cancellationToken);

    /// <summary>The order in which a claim hands out kinds: the ones whose WeChat request waits for a reply first.</summary>
    private static readonly string[] ClaimOrder = [InboxItemKinds.Message, InboxItemKinds.Event, InboxItemKinds.OAuth];

    private static readonly string[] Closed = [InboxItemStatuses.Done, InboxItemStatuses.Failed, InboxItemStatuses.Expired];

    private sealed record Candidate(long Id, string Status, string? LeasedBy);

    private sealed record Overdue(long Id, string Status, int Attempts, string CorrelationId);

    /// <summary>The item while <paramref name="leaseId"/> is its lease: the condition of every transition the holder makes.</summary>
    private IQueryable<InboxItem> Owned(long id, string leaseId) =>
        db.Items.Where(i => i.Id == id && i.Status == InboxItemStatuses.Leased && i.LeaseId == leaseId);

    private async Task RecordAsync(long itemId, DateTime at, string type, string? actor, string? detail, CancellationToken cancellationToken)
    {
        db.ItemEvents.Add(Event(itemId, at, type, actor, detail));
        await db.SaveChangesAsync(cancellationToken);
    }

    private static InboxItemEvent Event(long itemId, DateTime at, string type, string? actor, string? detail) =>
        new() { ItemId = itemId, At = at, Type = type, Actor = actor, Detail = Clip(detail, 1024) };

    private static string ClaimedDetail(DateTime leaseUntil) => $"lease until {leaseUntil:O}";

    /// <summary>
    /// Makes the item's correlation id current for a log line about it: the enricher adds it, so the line joins the
    /// item's trail even when written in another request (a poller's claim, the browser's status poll, the sweeper).
    /// </summary>
    private static IDisposable? About(string correlationId) =>
        Correlation.Current == correlationId ? null : Correlation.Begin(correlationId);
}
