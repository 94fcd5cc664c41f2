namespace Weixin.Inbox.CrmApp.Devices;

/// <summary>When a WeChat login must also be confirmed with the two-digit number (section <c>Login</c>).</summary>
public sealed class NewDeviceOptions
{
    public const string Section = "Login";

    /// <summary>
    /// A phone OAuth login on a device not yet known for that WeChat user (first-time binds included) is confirmed with
    /// the two-digit number sent in the 公众号 chat before anyone is signed in. Default <c>true</c>. Turning it off lets a
    /// compromised public inbox file one user's OAuth code under another browser's login (see SECURITY.md).
    /// </summary>
    public bool ConfirmNewDevice { get; set; } = true;
}
