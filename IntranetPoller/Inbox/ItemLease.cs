using System.Net;
using Refit;
using Weixin.Inbox.Contracts.Inbox;

namespace Weixin.Inbox.IntranetPoller.Inbox;

/// <summary>
/// Holds one claimed item's lease while the poller works on it: renews it every third of its length and cancels
/// <see cref="Token"/> as soon as the lease is gone, so an item is never worked by two pollers at once. The lease is
/// gone when the inbox answers a renewal with 409 (taken over, or no longer leased), or when it runs out locally
/// because no renewal got through in time (the inbox may then hand the item to another poller).
/// </summary>
public sealed class ItemLease : IAsyncDisposable
{
    /// <summary>After a failed renewal, the next try comes after a third of the lease or this, whichever is shorter.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan ShortestInterval = TimeSpan.FromMilliseconds(50);

    private readonly IInboxPollerApi _inbox;
    private readonly ClaimedItem _item;
    private readonly TimeSpan _length;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _origin;
    private readonly CancellationTokenSource _work;
    private readonly CancellationTokenSource _renewal;
    private Task _renewing = Task.CompletedTask;
    private volatile bool _lost;
    private int _renewals;

    private ItemLease(IInboxPollerApi inbox, ClaimedItem item, TimeSpan length, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        _inbox = inbox;
        _item = item;
        _length = length;
        _time = time;
        _logger = logger;
        _origin = time.GetTimestamp();
        _work = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _renewal = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    /// <summary>Cancelled when the lease is lost or lapses, and at shutdown: the work on the item must stop.</summary>
    public CancellationToken Token => _work.Token;

    /// <summary>True once the lease is lost or has lapsed: the item must be neither completed nor released.</summary>
    public bool IsLost => _lost;

    /// <summary>Renewals the inbox accepted so far.</summary>
    public int Renewals => Volatile.Read(ref _renewals);

    /// <summary>How long a lease from <paramref name="claim"/> lasts: <see cref="ClaimedItem.LeaseUntil"/> − <see cref="ClaimResponse.ServerTime"/>.</summary>
    /// <remarks>Both times come from the inbox's clock, so the difference is right whatever this machine's clock says.</remarks>
    public static TimeSpan LengthOf(ClaimedItem item, ClaimResponse claim) => item.LeaseUntil - claim.ServerTime;

    /// <summary>How often a lease of <paramref name="length"/> is renewed: every third of it (at least every 50 ms).</summary>
    public static TimeSpan RenewalInterval(TimeSpan length) => length / 3 > ShortestInterval ? length / 3 : ShortestInterval;

    /// <summary>Starts keeping the lease of <paramref name="item"/>, claimed just now for <paramref name="length"/>.</summary>
    public static ItemLease Keep(IInboxPollerApi inbox, ClaimedItem item, TimeSpan length, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        var lease = new ItemLease(inbox, item, length, time, logger, stopping);
        lease._renewing = lease.RenewAsync(lease._renewal.Token);
        return lease;
    }

    /// <summary>Stops renewing (the work is done); true while the lease is still held, so the result may be reported.</summary>
    public async Task<bool> StopAsync()
    {
        await _renewal.CancelAsync();
        await _renewing;
        return !_lost;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _renewal.Dispose();
        _work.Dispose();
    }

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    // Note: a tenth of the lease is kept in hand, so the work stops before the inbox can hand the item out again
    // even when the claim's answer (or a renewal's) took a while to arrive.
    private TimeSpan Usable => _length - (_length / 10);

    private async Task RenewAsync(CancellationToken stop)
    {
        // Note: start on the thread pool at once; the caller goes on to work on the item.
        await Task.Yield();
        var every = RenewalInterval(_length);
        var heldUntil = Usable;
        var next = every;
        try
        {
            while (true)
            {
                var wait = (next < heldUntil ? next : heldUntil) - Now;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, stop);
                }

                var sent = Now;
                if (sent >= heldUntil)
                {
                    await LoseAsync("the lease ran out before a renewal got through");
                    return;
                }

                try
                {
                    // Note: a renewal that is still under way when the lease runs out is of no use; give up on it then.
                    using var inTime = new CancellationTokenSource(heldUntil - sent, _time);
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop, inTime.Token);
                    var renewed = await _inbox.ExtendLeaseAsync(_item.Id, new LeaseRequest(_item.LeaseId), attempt.Token);
                    Interlocked.Increment(ref _renewals);
                    // Note: the inbox set the new end after this request left; counting from the sending keeps us on the safe side.
                    heldUntil = sent + Usable;
                    next = sent + every;
                    _logger.LogDebug("Item {ItemId}: lease renewed until {LeaseUntil:O}", _item.Id, renewed.LeaseUntil);
                }
                catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
                {
                    await LoseAsync("the inbox says the lease is lost (taken over, or the item is no longer leased)");
                    return;
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    // Note: the inbox unreachable or restarting: keep working and try again while the lease lasts.
                    var retry = every < RetryAfterFailure ? every : RetryAfterFailure;
                    next = Now + retry;
                    _logger.LogWarning("Item {ItemId}: lease renewal failed ({Reason}); {Left} left, trying again in {Retry}",
                        _item.Id, InboxReachability.Describe(ex), heldUntil - Now, retry);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Note: the work is done, or the poller is shutting down.
        }
    }

    private async Task LoseAsync(string reason)
    {
        _lost = true;
        _logger.LogWarning("Item {ItemId}: lease lost, stopping work on it and leaving it to the inbox: {Reason}", _item.Id, reason);
        await _work.CancelAsync();
    }
}
