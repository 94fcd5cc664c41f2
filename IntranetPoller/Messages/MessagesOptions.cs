using System.ComponentModel.DataAnnotations;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.IntranetPoller.Messages;

/// <summary>How WeChat messages and events are answered (section <c>Messages</c>).</summary>
public sealed class MessagesOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Messages";

    /// <summary>The placeholder in <see cref="WelcomeText"/> replaced by <see cref="LoginUrl"/>.</summary>
    public const string LoginUrlPlaceholder = "{loginUrl}";

    /// <summary>
    /// Whether the poller claims and answers <c>message</c> and <c>event</c> items. Default: true when
    /// <c>Weixin:Token</c> is configured, else false (a login-only gateway). Set true to make a missing
    /// <c>Weixin:Token</c> or <see cref="LoginUrl"/> stop the start-up.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// The CRM's WeChat login entry (e.g. http://127.0.0.1:5300/login/weixin), put into <see cref="WelcomeText"/>.
    /// Required while enabled; absolute http(s).
    /// </summary>
    public string LoginUrl { get; set; } = "";

    /// <summary>Answer to a new follower. Default 「欢迎关注！…{loginUrl}…」; <c>{loginUrl}</c> becomes <see cref="LoginUrl"/>.</summary>
    [Required(AllowEmptyStrings = false), MaxLength(600)]
    public string WelcomeText { get; set; } = "欢迎关注！点击链接用微信登录 CRM：{loginUrl}\n回复「帮助」查看可用指令。";

    /// <summary>Answer to messages no handler understands (images, voice, …). Default 「暂不支持该消息，回复「帮助」查看可用指令。」</summary>
    [Required(AllowEmptyStrings = false), MaxLength(600)]
    public string DefaultReply { get; set; } = "暂不支持该消息，回复「帮助」查看可用指令。";

    /// <summary>Answer when the CRM hook fails or times out. Default 「系统繁忙，请稍后再试。」</summary>
    [Required(AllowEmptyStrings = false), MaxLength(600)]
    public string BusyReply { get; set; } = "系统繁忙，请稍后再试。";

    /// <summary>How long the CRM hook may take to answer. Default 00:00:10.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:01:00")]
    public TimeSpan HookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a retry of a message still being handled (WeChat's repeat of one callback) waits for the first
    /// attempt's reply before answering empty. Default 00:00:03; keep it below the inbox's ReplyWait.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:04")]
    public TimeSpan DuplicateWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How old (by the message's own CreateTime, which in safe mode only WeChat can write) a repeat of a message may be
    /// and still take over the reply from an earlier item whose passive answer never reached WeChat. Default 00:00:30:
    /// WeChat retries three times, 5 s apart, so its last retry leaves about 15 s after CreateTime; the rest covers
    /// nginx/TLS, a short claim backlog and clock skew. 00:00:00 turns the takeover off (a repeat then always answers empty).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:02:00")]
    public TimeSpan RetryTakeoverWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Customer-service send attempts for one reply (network errors, HTTP 5xx, errcode -1) before giving up. Default 5.</summary>
    [Range(1, 20)]
    public int SendAttempts { get; set; } = 5;

    /// <summary>Wait before the second send attempt; it doubles for each further one. Default 00:00:10.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SendRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often due send retries are looked for. Default 00:00:05.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SendRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>True once <see cref="Enabled"/> is resolved to true.</summary>
    public bool IsEnabled => Enabled == true;

    /// <summary><see cref="WelcomeText"/> with the login link filled in.</summary>
    public string Welcome => WelcomeText.Replace(LoginUrlPlaceholder, LoginUrl, StringComparison.Ordinal);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LoginUrl.Length > 0 || IsEnabled)
        {
            if (!Uri.TryCreate(LoginUrl, UriKind.Absolute, out var login) || login.Scheme is not ("http" or "https"))
            {
                yield return new ValidationResult("必须是完整的 http(s) 网址（CRM 的 /login/weixin），启用消息时必须设置 / Messages:LoginUrl must be an absolute http(s) URL (the CRM's /login/weixin); required while messages are enabled.", [nameof(LoginUrl)]);
            }
        }
    }
}

/// <summary>Where the LAN application's message hook lives (section <c>CrmHook</c>).</summary>
public sealed class CrmHookOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "CrmHook";

    /// <summary>Name of the signing options of hook calls.</summary>
    public const string SigningName = "CrmHook";

    /// <summary>
    /// The CRM's base URL; the gateway posts to <c>{BaseUrl}/weixin/hook/message</c>, signed with the first
    /// <see cref="SigningKeys"/> key. Default none: text messages and menu clicks get <c>Messages:DefaultReply</c>.
    /// </summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>
    /// Keys of the hook calls (<c>CrmHook:SigningKeys:0..1</c>; the CRM verifies them with <c>Gateway:HookKeys</c>): the
    /// first signs; a second may stay listed during a rotation. Only the hook uses them: they are never a gateway
    /// client's key, so rotating the CRM's client key leaves the hook alone. Required with <see cref="BaseUrl"/>;
    /// each at least 32 characters.
    /// </summary>
    public List<string> SigningKeys { get; set; } = [];

    /// <summary><see cref="BaseUrl"/> with a trailing '/', or null when none is configured.</summary>
    public Uri? BaseUri => BaseUrl.Length > 0 && Uri.TryCreate(BaseUrl.TrimEnd('/') + "/", UriKind.Absolute, out var uri) ? uri : null;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BaseUrl.Length > 0 && BaseUri is not { Scheme: "http" or "https" })
        {
            yield return new ValidationResult("必须是完整的 http(s) 网址 / CrmHook:BaseUrl must be an absolute http(s) URL.", [nameof(BaseUrl)]);
        }

        if (BaseUrl.Length > 0 && SigningKeys.Count == 0)
        {
            yield return new ValidationResult(
                $"设置了 CrmHook:BaseUrl 时必须设置（回调自己的密钥，至少 {SigningOptions.MinimumKeyLength} 个字符，与 CRM 的 Gateway:HookKeys:0 相同） / CrmHook:BaseUrl is set but CrmHook:SigningKeys:0 is not: the hook calls need a key of their own (at least {SigningOptions.MinimumKeyLength} characters; the same value as the CRM's Gateway:HookKeys:0).",
                [$"{nameof(SigningKeys)}:0"]);
        }

        if (SigningKeys.Count > 2)
        {
            yield return new ValidationResult("最多两个密钥（当前和下一个） / CrmHook:SigningKeys holds at most two keys (current and next).", [nameof(SigningKeys)]);
        }

        if (SigningKeys.Any(k => string.IsNullOrWhiteSpace(k) || k.Length < SigningOptions.MinimumKeyLength))
        {
            yield return new ValidationResult($"每个密钥至少 {SigningOptions.MinimumKeyLength} 个字符 / Every key of CrmHook:SigningKeys must have at least {SigningOptions.MinimumKeyLength} characters.", [nameof(SigningKeys)]);
        }
    }
}
