using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>A row of the WeChat user directory (<c>weixin_users</c>).</summary>
public sealed class WeixinUserEntry
{
    /// <summary>The user's openid for this official account.</summary>
    public required string OpenId { get; set; }

    /// <summary>Present when the account is tied to an open platform.</summary>
    public string? UnionId { get; set; }

    /// <summary>Nickname at the last login.</summary>
    public string Nickname { get; set; } = "";

    /// <summary>Avatar URL at the last login.</summary>
    public string? HeadImgUrl { get; set; }

    /// <summary>0 unknown, 1 male, 2 female.</summary>
    public int Sex { get; set; }

    /// <summary>Province at the last login (usually blank).</summary>
    public string? Province { get; set; }

    /// <summary>City at the last login (usually blank).</summary>
    public string? City { get; set; }

    /// <summary>Country at the last login (usually blank).</summary>
    public string? Country { get; set; }

    /// <summary>First login or follow seen by the gateway.</summary>
    public DateTimeOffset FirstSeenAt { get; set; }

    /// <summary>Latest login through the gateway.</summary>
    public DateTimeOffset LastSeenAt { get; set; }

    /// <summary>Number of completed logins.</summary>
    public int LoginCount { get; set; }

    /// <summary>True while the user follows the official account (as of the latest subscribe/unsubscribe event).</summary>
    public bool Subscribed { get; set; }

    /// <summary>WeChat's time of the latest subscribe event.</summary>
    public DateTimeOffset? SubscribedAt { get; set; }

    /// <summary>WeChat's time of the latest unsubscribe event.</summary>
    public DateTimeOffset? UnsubscribedAt { get; set; }

    /// <summary>The wire form shared with LAN applications.</summary>
    public WeixinUser ToContract() =>
        new(OpenId, UnionId, Nickname, HeadImgUrl, Sex, Province, City, Country, FirstSeenAt, LastSeenAt, LoginCount);
}
