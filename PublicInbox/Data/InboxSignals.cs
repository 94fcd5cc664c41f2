using System.Collections.Concurrent;

namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>
/// In-process wake-ups for the inbox's waiting requests (a poller's long-poll claim, WeChat's request waiting for
/// its reply, the browser's long-poll status). Note: only a shortcut: every waiter also re-reads MySQL on a short
/// timer, because the change may come through another inbox instance.
/// </summary>
public sealed class InboxSignals
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _items = new();
    private TaskCompletionSource _stored = NewSignal();

    /// <summary>A callback was stored: wake every long-polling claim.</summary>
    public void ItemStored() => Interlocked.Exchange(ref _stored, NewSignal()).TrySetResult();

    /// <summary>Completes when an item is stored here, or after <paramref name="fallback"/>.</summary>
    public Task ItemStoredOrAsync(TimeSpan fallback, CancellationToken cancellationToken) =>
        Task.WhenAny(Volatile.Read(ref _stored).Task, Task.Delay(fallback, cancellationToken));

    /// <summary>An item changed state (completed, failed): wake whoever waits on it.</summary>
    public void ItemChanged(long itemId)
    {
        if (_items.TryRemove(itemId, out var signal))
        {
            signal.TrySetResult();
        }
    }

    /// <summary>Completes when <paramref name="itemId"/> changes here, or after <paramref name="fallback"/>.</summary>
    public Task ItemChangedOrAsync(long itemId, TimeSpan fallback, CancellationToken cancellationToken) =>
        Task.WhenAny(_items.GetOrAdd(itemId, _ => NewSignal()).Task, Task.Delay(fallback, cancellationToken));

    /// <summary>Drops the signal of an item nobody waits for any more.</summary>
    public void Forget(long itemId) => _items.TryRemove(itemId, out _);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
