namespace Weixin.Inbox.WeixinLogin.Devices;

/// <summary>A short name of a device for 「我的」 (「iPhone 微信」, 「Windows Chrome」), read from its User-Agent.</summary>
public static class DeviceLabel
{
    /// <summary>At most this many characters are kept (the column's size).</summary>
    public const int MaxLength = 64;

    public static string From(string? userAgent)
    {
        var ua = userAgent ?? "";
        var platform = Platform(ua);
        var app = Contains(ua, "MicroMessenger") ? "微信"
            : Contains(ua, "Edg/") || Contains(ua, "EdgiOS") || Contains(ua, "EdgA/") ? "Edge"
            : Contains(ua, "Firefox/") || Contains(ua, "FxiOS") ? "Firefox"
            : Contains(ua, "Chrome/") || Contains(ua, "CriOS") ? "Chrome"
            : Contains(ua, "Safari/") ? "Safari"
            : "浏览器";
        var label = $"{platform} {app}";
        return label.Length <= MaxLength ? label : label[..MaxLength];
    }

    private static string Platform(string ua) =>
        Contains(ua, "iPhone") ? "iPhone"
        : Contains(ua, "iPad") ? "iPad"
        : Contains(ua, "Android") ? "Android"
        : Contains(ua, "HarmonyOS") || Contains(ua, "OpenHarmony") ? "鸿蒙"
        : Contains(ua, "Windows") ? "Windows"
        : Contains(ua, "Macintosh") || Contains(ua, "Mac OS X") ? "Mac"
        : Contains(ua, "Linux") ? "Linux"
        : "未知设备";

    private static bool Contains(string ua, string part) => ua.Contains(part, StringComparison.OrdinalIgnoreCase);
}
