namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>A signed request id seen recently (<c>request_ids</c>): the replay store of the HMAC verification.</summary>
public sealed class RequestIdEntry
{
    /// <summary>The request's <c>webhook-id</c> (at most 128 characters).</summary>
    public required string Id { get; set; }

    /// <summary>After this the id may be forgotten: its timestamp is outside the tolerance anyway.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}
