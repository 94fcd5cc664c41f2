namespace Weixin.Inbox.CrmApp.Data;

/// <summary>A signed hook request id, remembered to refuse replays.</summary>
public sealed class RequestIdRecord
{
    public required string Id { get; set; }
    public DateTime ExpiresAt { get; set; }
}
