namespace Weixin.Inbox.IntranetPoller.Inbox;

/// <summary>What the poller should tell the inbox about one processed item (login or message).</summary>
public abstract record ItemDecision
{
    private ItemDecision()
    {
    }

    /// <summary>Complete the item: the waiting browser goes to <paramref name="RedirectUrl"/>.</summary>
    /// <param name="RedirectUrl">The return URL with <c>ticket=</c>, or the error URL with <c>err=</c>.</param>
    /// <param name="Outcome"><c>ticket_issued</c> or a <c>LoginErrors</c> code, for the audit trail.</param>
    /// <param name="OpenId">The WeChat user who logged in, for the inbox's audit history (null when unknown).</param>
    public sealed record Complete(string RedirectUrl, string Outcome, string? OpenId = null) : ItemDecision;

    /// <summary>Complete a message item with its passive reply body.</summary>
    /// <param name="Body">The body WeChat's waiting request gets (encrypted envelope in safe mode); empty for none (<c>success</c>).</param>
    /// <param name="Outcome"><c>replied</c>, <c>no_reply</c> or <c>duplicate</c>, for the audit trail.</param>
    /// <param name="DedupKey">Set when this item holds the message's delivery: after completion the poller records the
    /// passive delivery or sends the reply through the customer-service API.</param>
    public sealed record Reply(string Body, string Outcome, string? DedupKey) : ItemDecision;

    /// <summary>Release the item for another attempt (e.g. WeChat unreachable).</summary>
    public sealed record RetryLater(string Error) : ItemDecision;

    /// <summary>Fail the item for good.</summary>
    /// <param name="Error">What the inbox is told (and shows in its admin timeline).</param>
    /// <param name="Detail">More than the inbox may know (e.g. which decryption step failed), for this poller's log
    /// and tests only; null when <paramref name="Error"/> says it all.</param>
    public sealed record Fail(string Error, string? Detail = null) : ItemDecision;
}
