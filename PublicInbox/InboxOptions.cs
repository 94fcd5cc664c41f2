using Weixin.Inbox.Contracts.Gateway;
using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.PublicInbox;

/// <summary>Settings of the public inbox (section <c>Inbox</c>).</summary>
public sealed class InboxOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Inbox";

    /// <summary>Public base URL of this inbox, e.g. <c>https://wx.example.com</c>. Required; https in Production.</summary>
    [Required]
    [Url]
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>
    /// The only URL prefixes the waiting page may send a browser to (the LAN apps' login pages).
    /// Each must be an absolute http(s) URL ending with <c>/</c>. At least one is required.
    /// </summary>
    public List<string> AllowedRedirectPrefixes { get; set; } = [];

    /// <summary>Where 「重新登录」 sends the user after a timeout, e.g. the CRM's <c>/login/weixin</c>. Required.</summary>
    [Required]
    [Url]
    public string RetryLoginUrl { get; set; } = "";

    /// <summary>How long a browser waits for the intranet before the login is given up. Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:15:00")]
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a claimed item belongs to its poller before another may take it. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After this long without a claim, the waiting page says the intranet is not answering. Default 15 s
    /// (a long-polling poller checks in at least every ~10 s).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan PollerSilenceThreshold { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often overdue items are marked expired in the background. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The official account's Token (服务器配置 → Token), used to check WeChat's signatures. Required; 3 to 32 letters or
    /// digits, as the 公众号后台 accepts it.
    /// </summary>
    [Required]
    public string WeixinToken { get; set; } = "";

    /// <summary>How long a message callback waits for the intranet's reply before answering <c>success</c>. Default 4 s (WeChat gives up at 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:04.500")]
    public TimeSpan ReplyWait { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Largest accepted difference between WeChat's timestamp and our clock. Default 5 min.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan MaxTimestampSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A message not processed within this time expires (its reply would be stale). Default 30 min.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "2.00:00:00")]
    public TimeSpan MessageDeadline { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Addresses of the reverse proxies (nginx terminating TLS) whose <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c>
    /// are believed, so the admin allow-list, the audit log and the stored callbacks see the client's address and
    /// the admin cookie gets <c>Secure</c>. Default: none (the headers are ignored, so nobody can spoof them).
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// Refuse message callbacks that are not in safe or compatible mode (<c>encrypt_type=aes</c>) at the door: 403, nothing
    /// stored. Default false (the poller refuses them anyway while it requires safe mode, and shows them in the
    /// timeline); set true once the 公众号 posts in 安全模式 so forged plaintext never reaches the queue.
    /// </summary>
    public bool RequireSafeMode { get; set; }

    /// <summary>True when the given absolute URL may receive a waiting browser (see <see cref="ReturnUrlPolicy"/>).</summary>
    public bool IsAllowedRedirect(string? url) => ReturnUrlPolicy.IsAllowed(url, AllowedRedirectPrefixes);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AllowedRedirectPrefixes.Count == 0)
        {
            yield return new ValidationResult(
                "至少需要一个网址前缀（局域网应用的登录页，如 Inbox:AllowedRedirectPrefixes:0） / Inbox:AllowedRedirectPrefixes needs at least one URL prefix (the LAN app's login page).",
                [nameof(AllowedRedirectPrefixes)]);
        }

        for (var i = 0; i < AllowedRedirectPrefixes.Count; i++)
        {
            var prefix = AllowedRedirectPrefixes[i];
            // Note: a prefix without its trailing slash would let "https://crm.example.com.evil.net/" through.
            if (!Uri.TryCreate(prefix, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || !prefix.EndsWith('/'))
            {
                yield return new ValidationResult(
                    $"必须是以 / 结尾的完整 http(s) 网址 / Inbox:AllowedRedirectPrefixes entry '{prefix}' must be an absolute http(s) URL ending with '/'.",
                    [$"{nameof(AllowedRedirectPrefixes)}:{i}"]);
            }
        }

        for (var i = 0; i < TrustedProxies.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(TrustedProxies[i], out _))
            {
                yield return new ValidationResult(
                    $"必须是 IP 地址（同机的 nginx 为 127.0.0.1） / Inbox:TrustedProxies entry '{TrustedProxies[i]}' must be an IP address (e.g. 127.0.0.1 for nginx on the same host).",
                    [$"{nameof(TrustedProxies)}:{i}"]);
            }
        }

        if (LeaseDuration >= LoginTimeout)
        {
            yield return new ValidationResult(
                "必须短于 Inbox:LoginTimeout，否则崩溃的 poller 手上的登录来不及重试 / Inbox:LeaseDuration must be shorter than Inbox:LoginTimeout, or a crashed poller's login could never be retried in time.",
                [nameof(LeaseDuration)]);
        }

        // Note: WeChat's 服务器配置 accepts a Token of 3 to 32 letters or digits only; anything else cannot match the account.
        if (WeixinToken.Length > 0 && (WeixinToken.Length is < 3 or > 32 || !WeixinToken.All(char.IsAsciiLetterOrDigit)))
        {
            yield return new ValidationResult(
                "必须是 3 到 32 个英文字母或数字（与公众号后台服务器配置的 Token 相同） / must be 3 to 32 letters or digits (the Token of the account's server settings)",
                [nameof(WeixinToken)]);
        }

        if (validationContext.GetService(typeof(IHostEnvironment)) is IHostEnvironment { } environment && environment.IsProduction()
            && Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var publicBase) && publicBase.Scheme != Uri.UriSchemeHttps)
        {
            // Note: WeChat sends browsers and callbacks to this host; in Production they arrive through TLS (nginx on 443).
            yield return new ValidationResult("在 Production 中必须是 https 网址 / must be an https URL in Production", [nameof(PublicBaseUrl)]);
        }
    }

    /// <summary>
    /// When true, <c>/wx/callback</c> from an address not on WeChat's callback IP list (fetched daily by the poller from
    /// <c>cgi-bin/getcallbackip</c>; addresses or CIDR ranges) is refused with 403 and logged; the client's address is
    /// resolved through <see cref="TrustedProxies"/>. Until the first list arrives callbacks are accepted, with a warning
    /// and <c>/readyz</c>'s <c>weixinCallbackIps</c> degraded. Default false.
    /// </summary>
    public bool RestrictCallbacksToWeixinIps { get; set; }

    /// <summary>
    /// A login's redirect URL carries a one-time <c>ticket=</c>: it is cleared from <c>inbox_items</c> when the waiting
    /// page hands it to the browser, or this long after the login's deadline when no browser came for it (the ticket
    /// is dead by then). Default 10 min, the longest the poller's <c>OAuth:TicketLifetime</c> may be.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TicketUrlLifetime { get; set; } = TimeSpan.FromMinutes(10);
}
