namespace Weixin.Inbox.WeixinLogin.ScanLogin;

/// <summary>
/// The desktop 扫码登录 script (<c>scan-login.js</c>, embedded in this assembly), served by each app's
/// <c>/login/weixin/scan?handler=Script</c>: the CSP allows same-origin scripts only, and the apps serve no static files.
/// </summary>
/// <remarks>
/// Note: the page's <c>#scan-login</c> element carries what differs between the apps (<c>data-start</c>,
/// <c>data-status</c>, <c>data-return-url</c>, and <c>data-gateway-down</c>: the app's own words when the gateway
/// cannot be reached, e.g. whether a password login exists).
/// </remarks>
public static class ScanLoginScript
{
    /// <summary>Name of the script among this assembly's embedded resources (see WeixinLogin.csproj).</summary>
    public const string Resource = "WeixinLogin.ScanLogin.scan-login.js";

    /// <summary>The script's bytes.</summary>
    public static Stream Open() =>
        typeof(ScanLoginScript).Assembly.GetManifestResourceStream(Resource)
        ?? throw new InvalidOperationException("Embedded resource missing: " + Resource);
}
