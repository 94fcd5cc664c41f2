namespace Weixin.Inbox.IntranetPoller.Messages;

/// <summary>
/// <c>Logging:IncludeMessageContent</c> (default false): whether the gateway's logs may show what users wrote and what
/// they were answered. Note: message texts are personal data and may carry secrets (a number confirmation, a phone
/// number); by default only their length is logged. Turn it on briefly to debug a conversation.
/// </summary>
public sealed class MessageContentLogging
{
    /// <summary>Configuration section (shared with the framework's own Logging settings).</summary>
    public const string Section = "Logging";

    /// <summary>Log message contents and replies (at Debug level) instead of their length.</summary>
    public bool IncludeMessageContent { get; set; }
}
