using Refit;

namespace Weixin.Inbox.Contracts.Inbox;

/// <summary>The PublicInbox API the intranet poller calls (HMAC-signed, see <c>Signing/</c>).</summary>
public interface IInboxPollerApi
{
    /// <summary>Leases up to <see cref="ClaimRequest.MaxItems"/> pending items.</summary>
    [Post("/poller/v1/claim")]
    Task<ClaimResponse> ClaimAsync([Body] ClaimRequest request, CancellationToken cancellationToken = default);

    /// <summary>Completes a leased item. Repeating the same call is harmless.</summary>
    [Post("/poller/v1/items/{id}/complete")]
    Task<CompleteResponse> CompleteAsync(long id, [Body] CompleteRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends a lease its holder still owns (same <see cref="LeaseRequest.LeaseId"/>), so a slow item is never taken
    /// over while it is being worked. Answers 409 (problem <c>lease_lost</c>) when the lease was taken over by another
    /// poller or the item is no longer leased: the caller must stop working the item and not complete it.
    /// </summary>
    [Post("/poller/v1/items/{id}/lease")]
    Task<LeaseResponse> ExtendLeaseAsync(long id, [Body] LeaseRequest request, CancellationToken cancellationToken = default);

    /// <summary>Releases a leased item for a retry, or fails it for good.</summary>
    [Post("/poller/v1/items/{id}/fail")]
    Task<FailResponse> FailAsync(long id, [Body] FailRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Announces an OAuth <c>state</c> the gateway is about to hand out (its SHA-256 and expiry): the inbox stores
    /// <c>/wx/oauth/callback</c> only for announced states, each once. Repeating an announcement is harmless.
    /// </summary>
    [Post("/poller/v1/oauth-states")]
    Task<AnnounceStateResponse> AnnounceStateAsync([Body] AnnounceStateRequest request, CancellationToken cancellationToken = default);

    /// <summary>Hands WeChat's callback IP list to the inbox (shared by all its instances); the inbox keeps the newest.</summary>
    [Put("/poller/v1/weixin-callback-ips")]
    Task<CallbackIpsResponse> PutCallbackIpsAsync([Body] CallbackIpsRequest request, CancellationToken cancellationToken = default);
}
