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

    /// <summary>The fields that say what a message is, not what it says; kept when the contents are hidden.</summary>
    private static readonly HashSet<string> Structural = new(StringComparer.Ordinal)
    {
        "ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "EventKey", "MsgId", "MsgDataId", "Idx",
    };

    /// <summary>
    /// A message's fields for the log with every non-structural field (Content, Recognition, Title, Description,
    /// Label, …) replaced by its length.
    /// </summary>
    public static IReadOnlyDictionary<string, string> WithoutContent(IReadOnlyDictionary<string, string> fields) =>
        fields.ToDictionary(f => f.Key, f => Structural.Contains(f.Key) ? f.Value : $"({f.Value.Length} characters)", StringComparer.Ordinal);
}
