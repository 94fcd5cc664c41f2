using System.Collections.Concurrent;

namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>
/// In-process wake-ups for the inbox's waiting requests (a poller's long-poll claim, WeChat's request waiting for
/// its reply, the browser's long-poll status). Note: only a shortcut: every waiter also re-reads MySQL on a short
/// timer, because the change may come through another inbox instance.
/// </summary>
public sealed class InboxSignals
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<string?>> _items = new();
    private TaskCompletionSource _stored = NewSignal();

    /// <summary>A callback was stored: wake every long-polling claim.</summary>
    public void ItemStored() => Interlocked.Exchange(ref _stored, NewSignal()).TrySetResult();

    /// <summary>Completes when an item is stored here, or after <paramref name="fallback"/>.</summary>
    public Task ItemStoredOrAsync(TimeSpan fallback, CancellationToken cancellationToken) =>
        Task.WhenAny(Volatile.Read(ref _stored).Task, Task.Delay(fallback, cancellationToken));

    /// <summary>An item changed state (completed, failed): wake whoever waits on it.</summary>
    public void ItemChanged(long itemId) => Wake(itemId, null);

    /// <summary>
    /// A message's completion won WeChat's waiting request (its wait state is <c>answered</c>, committed): wake the
    /// request with the reply itself, so it answers without reading the row back.
    /// </summary>
    public void ItemAnswered(long itemId, string reply) => Wake(itemId, reply);

    /// <summary>Completes when <paramref name="itemId"/> changes here, or after <paramref name="fallback"/>.</summary>
    public Task ItemChangedOrAsync(long itemId, TimeSpan fallback, CancellationToken cancellationToken) =>
        Task.WhenAny(_items.GetOrAdd(itemId, _ => NewItemSignal()).Task, Task.Delay(fallback, cancellationToken));

    /// <summary>
    /// Waits as <see cref="ItemChangedOrAsync"/> does; the reply when the wake-up was <see cref="ItemAnswered"/>'s,
    /// null otherwise (changed in another way, or the fallback ran out: the caller reads MySQL).
    /// </summary>
    public async Task<string?> ItemAnsweredOrAsync(long itemId, TimeSpan fallback, CancellationToken cancellationToken)
    {
        var signal = _items.GetOrAdd(itemId, _ => NewItemSignal()).Task;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = await Task.WhenAny(signal, Task.Delay(fallback, stop.Token));
        if (woken == signal)
        {
            // Note: the timer is dropped at once rather than left to run out (hundreds of requests wait at a time).
            await stop.CancelAsync();
            return await signal;
        }

        return null;
    }

    /// <summary>Drops the signal of an item nobody waits for any more.</summary>
    public void Forget(long itemId) => _items.TryRemove(itemId, out _);

    private void Wake(long itemId, string? reply)
    {
        if (_items.TryRemove(itemId, out var signal))
        {
            signal.TrySetResult(reply);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource<string?> NewItemSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
