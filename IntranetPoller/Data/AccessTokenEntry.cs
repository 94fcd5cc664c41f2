namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>
/// The account's current access_token (<c>access_tokens</c>): one row per appid, refreshed by one gateway
/// instance at a time under a row lock, read by all.
/// </summary>
public sealed class AccessTokenEntry
{
    /// <summary>The official account's appid.</summary>
    public required string AppId { get; set; }

    /// <summary>The token; empty before the first fetch. Never logged.</summary>
    public string Token { get; set; } = "";

    /// <summary>
    /// When WeChat stops accepting it; the Unix epoch after WeChat rejected it (40001/40014: a forced refresh is due),
    /// the moment WeChat said it expired (42001: a normal fetch is due).
    /// </summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>When it was fetched.</summary>
    public DateTimeOffset FetchedAt { get; set; }

    /// <summary>
    /// When any gateway instance last asked stable_token for a forced refresh (null: never). WeChat allows 20 a day,
    /// at least 30 s apart, so every instance checks this under the row lock before forcing one.
    /// </summary>
    public DateTimeOffset? ForcedAt { get; set; }
}
