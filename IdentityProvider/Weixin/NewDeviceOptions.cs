namespace Weixin.Inbox.IdentityProvider.Weixin;

/// <summary>When a WeChat login must also be confirmed with the two-digit number (section <c>Login</c>, as in CrmApp).</summary>
public sealed class NewDeviceOptions
{
    public const string Section = "Login";

    /// <summary>
    /// A phone OAuth login on a browser not yet known for that WeChat user is confirmed with the two-digit number sent in
    /// the 公众号 chat before the SSO session starts. Default <c>true</c>. Turning it off lets a compromised public inbox
    /// file one user's OAuth code under another browser's login, and so sign that browser in to every LAN app.
    /// </summary>
    public bool ConfirmNewDevice { get; set; } = true;
}
