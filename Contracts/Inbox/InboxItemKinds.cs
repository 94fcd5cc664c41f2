namespace Weixin.Inbox.Contracts.Inbox;

/// <summary>Kinds of stored callbacks.</summary>
public static class InboxItemKinds
{
    /// <summary>A browser arriving from WeChat's OAuth authorize page (<c>/wx/oauth/callback</c>).</summary>
    public const string OAuth = "oauth";

    /// <summary>A user message posted by WeChat to <c>/wx/callback</c>.</summary>
    public const string Message = "message";

    /// <summary>An event (subscribe, CLICK, …) posted by WeChat to <c>/wx/callback</c>.</summary>
    public const string Event = "event";
}

/// <summary>States of a stored callback. Every transition is a conditional update with its time.</summary>
public static class InboxItemStatuses
{
    /// <summary>Stored, waiting for a poller.</summary>
    public const string Pending = "pending";

    /// <summary>Claimed by a poller until its lease ends.</summary>
    public const string Leased = "leased";

    /// <summary>Completed with a result.</summary>
    public const string Done = "done";

    /// <summary>Failed for good.</summary>
    public const string Failed = "failed";

    /// <summary>Nobody processed it before its deadline.</summary>
    public const string Expired = "expired";
}
