using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>The official account's credentials and WeChat's addresses (section <c>Weixin</c>).</summary>
public sealed class WeixinOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Weixin";

    /// <summary>The official account's AppID. Required.</summary>
    [Required]
    public string AppId { get; set; } = "";

    /// <summary>The official account's AppSecret. Required; lives only here, never logged.</summary>
    [Required]
    public string AppSecret { get; set; } = "";

    /// <summary>
    /// The Token entered in the account's server settings (3–32 letters or digits): signs WeChat's callbacks.
    /// Default empty; required while messages are enabled (<c>Messages:Enabled</c>).
    /// </summary>
    public string Token { get; set; } = "";

    /// <summary>
    /// The 43-character EncodingAESKey for safe and compatible mode. Default empty: only plaintext-mode messages can
    /// be read, and an encrypted one fails its item with a clear error. Lives only here, never logged.
    /// </summary>
    public string EncodingAESKey { get; set; } = "";

    /// <summary>
    /// Refuse every message and event item that is not in safe or compatible mode (<c>encrypt_type=aes</c>): a
    /// plaintext callback can be written by whoever holds the public inbox, in any follower's name. Default (unset):
    /// on when <see cref="EncodingAESKey"/> is set. Set false on purpose only while the 公众号 still posts in 明文模式.
    /// </summary>
    public bool? RequireSafeMode { get; set; }

    /// <summary>The effective <see cref="RequireSafeMode"/>.</summary>
    public bool SafeModeRequired => RequireSafeMode ?? EncodingAESKey.Length > 0;

    /// <summary>
    /// How the access_token is fetched: <c>stable_token</c> (default; <c>POST cgi-bin/stable_token</c>, does not
    /// invalidate tokens held elsewhere) or <c>token</c> (<c>GET cgi-bin/token</c>, invalidates the previous token).
    /// </summary>
    public string TokenEndpoint { get; set; } = StableTokenEndpoint;

    /// <summary>Value of <see cref="TokenEndpoint"/> for <c>cgi-bin/stable_token</c>.</summary>
    public const string StableTokenEndpoint = "stable_token";

    /// <summary>Value of <see cref="TokenEndpoint"/> for <c>cgi-bin/token</c>.</summary>
    public const string ClassicTokenEndpoint = "token";

    /// <summary>Base of the server API (<c>sns/*</c>, <c>cgi-bin/*</c>). Default https://api.weixin.qq.com.</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://api.weixin.qq.com");

    /// <summary>Base of the browser-facing authorize page. Default https://open.weixin.qq.com.</summary>
    public Uri OpenBaseUrl { get; set; } = new("https://open.weixin.qq.com");

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsHttpUrl(ApiBaseUrl))
        {
            yield return new ValidationResult("必须是完整的 http(s) 网址 / Weixin:ApiBaseUrl must be an absolute http(s) URL.", [nameof(ApiBaseUrl)]);
        }

        if (!IsHttpUrl(OpenBaseUrl))
        {
            yield return new ValidationResult("必须是完整的 http(s) 网址 / Weixin:OpenBaseUrl must be an absolute http(s) URL.", [nameof(OpenBaseUrl)]);
        }

        if (Token.Length > 0 && (Token.Length is < 3 or > 32 || !Token.All(char.IsAsciiLetterOrDigit)))
        {
            yield return new ValidationResult("必须是 3 到 32 个英文字母或数字（与公众号后台服务器配置的 Token 相同） / Weixin:Token must be 3 to 32 letters or digits (as in the account's server settings).", [nameof(Token)]);
        }

        if (EncodingAESKey.Length > 0 && !IsEncodingAesKey(EncodingAESKey))
        {
            // Note: the message never echoes the configured value; it is a secret.
            yield return new ValidationResult("必须是公众号后台服务器配置中 43 个字符的 EncodingAESKey（字母和数字） / Weixin:EncodingAESKey must be the 43-character key from the account's server settings.", [nameof(EncodingAESKey)]);
        }

        if (RequireSafeMode == true && EncodingAESKey.Length == 0)
        {
            yield return new ValidationResult("设为 true 时必须设置 Weixin:EncodingAESKey / Weixin:RequireSafeMode=true needs Weixin:EncodingAESKey (without it no message can be opened).", [nameof(RequireSafeMode)]);
        }

        if (TokenEndpoint is not (StableTokenEndpoint or ClassicTokenEndpoint))
        {
            yield return new ValidationResult($"只能是 {StableTokenEndpoint} 或 {ClassicTokenEndpoint} / Weixin:TokenEndpoint must be '{StableTokenEndpoint}' or '{ClassicTokenEndpoint}'.", [nameof(TokenEndpoint)]);
        }
    }

    private static bool IsEncodingAesKey(string key)
    {
        // Note: WeChat generates letters and digits; any base64 text of a 32-byte key works the same.
        if (key.Length != 43 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/'))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[33];
        return Convert.TryFromBase64String(key + "=", bytes, out var written) && written == 32;
    }

    private static bool IsHttpUrl(Uri? url) =>
        url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);
}
