using Weixin.Inbox.Contracts.Inbox;

namespace Weixin.Inbox.IntranetPoller.Inbox;

/// <summary>
/// Decides what to do with one claimed item. A feature registers its handler as a keyed service under each
/// <see cref="InboxItemKinds"/> value it handles; <see cref="ClaimedItemProcessor"/> picks it by the item's kind.
/// </summary>
public interface IItemHandler
{
    /// <summary>Works on the item; <paramref name="cancellationToken"/> is cancelled at shutdown or when the item's lease is lost.</summary>
    Task<ItemDecision> HandleAsync(ClaimedItem item, CancellationToken cancellationToken);
}
