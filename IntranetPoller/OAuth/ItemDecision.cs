namespace Weixin.Inbox.IntranetPoller.OAuth;

/// <summary>What the poller should tell the inbox about one processed item.</summary>
public abstract record ItemDecision
{
    private ItemDecision()
    {
    }

    /// <summary>Complete the item: the waiting browser goes to <paramref name="RedirectUrl"/>.</summary>
    /// <param name="RedirectUrl">The return URL with <c>ticket=</c>, or the error URL with <c>err=</c>.</param>
    /// <param name="Outcome"><c>ticket_issued</c> or a <c>LoginErrors</c> code, for the audit trail.</param>
    public sealed record Complete(string RedirectUrl, string Outcome) : ItemDecision;

    /// <summary>Release the item for another attempt (e.g. WeChat unreachable).</summary>
    public sealed record RetryLater(string Error) : ItemDecision;

    /// <summary>Fail the item for good.</summary>
    public sealed record Fail(string Error) : ItemDecision;
}
