namespace Weixin.Inbox.CrmApp.Data;

/// <summary>A device an account signed in on with WeChat (see <c>DeviceStore</c>); unique per account and device.</summary>
public sealed class AccountDevice
{
    public long Id { get; set; }

    public int AccountId { get; set; }

    public Account? Account { get; set; }

    /// <summary>SHA-256 (lower-case hex) of the random id in the device cookie; never the id itself.</summary>
    public string DeviceHash { get; set; } = "";

    /// <summary>「iPhone 微信」, 「Windows Chrome」… from the User-Agent.</summary>
    public string Label { get; set; } = "";

    /// <summary>First sign-in on it (UTC).</summary>
    public DateTime CreatedAt { get; set; }

    /// <summary>Latest WeChat sign-in on it (UTC).</summary>
    public DateTime LastSeenAt { get; set; }
}
