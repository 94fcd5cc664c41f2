using Refit;

namespace Weixin.Inbox.Contracts.Inbox;

/// <summary>
/// The poller's batch completion of messages and events (issue 14): the replies that are ready at the same moment go to
/// the inbox in one signed request instead of one each. Logins keep <see cref="IInboxPollerApi.CompleteAsync"/>.
/// </summary>
public interface IInboxCompletionApi
{
    /// <summary>
    /// Completes each item as <see cref="IInboxPollerApi.CompleteAsync"/> would, and answers each one separately, in
    /// the order asked (an item refused does not refuse the others). Repeating the same call is harmless.
    /// </summary>
    [Post("/poller/v1/items/complete-many")]
    Task<CompleteManyResponse> CompleteManyAsync([Body] CompleteManyRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Messages and events to complete, at most <see cref="MaxItems"/>, each id once.</summary>
public sealed record CompleteManyRequest(IReadOnlyList<CompleteManyItem> Items)
{
    /// <summary>Most items one request may complete.</summary>
    public const int MaxItems = 100;
}

/// <summary>One message or event to complete: its lease and its result, as in <see cref="CompleteRequest"/>.</summary>
/// <param name="Id">The item.</param>
/// <param name="LeaseId">The lease being completed.</param>
/// <param name="Outcome">Short machine-readable outcome for the audit trail.</param>
/// <param name="ReplyBody">The passive reply exactly as WeChat should receive it (empty for "no reply").</param>
public sealed record CompleteManyItem(long Id, string LeaseId, string? Outcome = null, string? ReplyBody = null);

/// <summary>One answer per item asked, in the order asked.</summary>
public sealed record CompleteManyResponse(IReadOnlyList<CompleteManyResult> Items);

/// <summary>What became of one item.</summary>
/// <param name="Id">The item.</param>
/// <param name="Status">The item's status after the call (<c>done</c> when completed, now or by an earlier call with
/// the same lease); null for an unknown item.</param>
/// <param name="DeliveredPassively">When completed: true when WeChat's request took the reply, false when the reply
/// must go through the customer-service API.</param>
/// <param name="Code">Null when completed; otherwise why not: <see cref="CompleteManyCodes"/>.</param>
public sealed record CompleteManyResult(long Id, string? Status, bool? DeliveredPassively = null, string? Code = null);

/// <summary>The <see cref="CompleteManyResult.Code"/> of an item that was not completed.</summary>
public static class CompleteManyCodes
{
    /// <summary>The lease is not the caller's any more (taken over, released, failed): stop and report nothing.</summary>
    public const string LeaseLost = "lease_lost";

    /// <summary>The item expired before it was completed.</summary>
    public const string Expired = "expired";

    /// <summary>No such item.</summary>
    public const string NotFound = "not_found";

    /// <summary>The reply is over WeChat's size limit; nothing was stored.</summary>
    public const string ReplyTooLarge = "reply_too_large";

    /// <summary>A login: completed only through <see cref="IInboxPollerApi.CompleteAsync"/> (it needs its redirect).</summary>
    public const string NotAMessage = "not_a_message";

    /// <summary>The same id came earlier in this request; answered there.</summary>
    public const string Duplicate = "duplicate";
}
