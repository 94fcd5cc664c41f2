namespace Weixin.Inbox.IdentityProvider.Data;

/// <summary>
/// A browser on which a WeChat user's login was confirmed with the two-digit number (<c>known_devices</c>, owned by
/// <see cref="Devices.DeviceStore"/>): their next phone login there goes straight in.
/// </summary>
public sealed class KnownDevice
{
    public long Id { get; set; }

    /// <summary>The WeChat user (openid of the 公众号). The provider has no accounts: the openid is the identity.</summary>
    public string OpenId { get; set; } = "";

    /// <summary>SHA-256 (hex) of the device id in the <c>idp_device</c> cookie; never the id itself.</summary>
    public string DeviceHash { get; set; } = "";

    /// <summary>「iPhone 微信」, from the User-Agent.</summary>
    public string Label { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime LastSeenAt { get; set; }
}
