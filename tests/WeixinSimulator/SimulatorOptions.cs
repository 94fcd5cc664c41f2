using System.ComponentModel.DataAnnotations;
using Weixin.Inbox.WeixinSimulator.Users;

namespace Weixin.Inbox.WeixinSimulator;

/// <summary>
/// Settings of the simulator, section <c>Simulator</c> (environment: <c>Simulator__AppId</c>,
/// <c>Simulator__Users__0__OpenId</c>, ...).
/// </summary>
public sealed class SimulatorOptions
{
    public const string SectionName = "Simulator";

    /// <summary>The only official-account appid the simulator knows. Default <c>wx_sim_app_0001</c>.</summary>
    [Required]
    public string AppId { get; set; } = "wx_sim_app_0001";

    /// <summary>The AppSecret that goes with <see cref="AppId"/>. Default <c>sim_app_secret_for_local_tests_only</c>.</summary>
    [Required]
    public string AppSecret { get; set; } = "sim_app_secret_for_local_tests_only";

    /// <summary>How long an OAuth code can be exchanged. Default <c>00:05:00</c> (WeChat's value).</summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Lifetime (<c>expires_in</c>) of every access_token the simulator issues: web-authorization tokens
    /// (sns/oauth2) and API tokens (cgi-bin/token, cgi-bin/stable_token). Default <c>02:00:00</c> (7200 s).
    /// </summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Lifetime of a refresh_token. Default <c>30.00:00:00</c> (WeChat's value).</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The account's 网页授权域名 (公众号设置 → 功能设置): host names only, no scheme, port or path. An authorize
    /// request whose redirect_uri host is not one of them gets 「redirect_uri 参数错误」. Default: none configured,
    /// in which case <see cref="DefaultOAuthDomains"/> (<c>127.0.0.1</c>, where the demo and the tests run) is used.
    /// </summary>
    public List<string> OAuthDomains { get; set; } = [];

    /// <summary>The domains used when <see cref="OAuthDomains"/> is empty.</summary>
    public static IReadOnlyList<string> DefaultOAuthDomains { get; } = ["127.0.0.1"];

    /// <summary>The configured <see cref="OAuthDomains"/>, or the defaults when none are.</summary>
    public IReadOnlyList<string> EffectiveOAuthDomains => OAuthDomains.Count > 0 ? OAuthDomains : DefaultOAuthDomains;

    /// <summary>
    /// What 「拒绝」 on the authorize page does. Default <c>false</c>: the user stays on WeChat's page and nothing
    /// comes back, as today's WeChat behaves. <c>true</c>: the old documented redirect to redirect_uri with only
    /// <c>state</c> (no <c>code</c>).
    /// </summary>
    public bool DenyRedirects { get; set; }

    /// <summary>
    /// What a <c>state</c> with characters outside [A-Za-z0-9] (but at most 128 bytes) gets. The doc allows only those
    /// characters but does not say what happens otherwise. Default <c>false</c>: the error page; <c>true</c>: the
    /// state is carried back unchanged (what clients observe in practice for '-' and '_').
    /// </summary>
    public bool LenientStateCharacters { get; set; }

    /// <summary>
    /// Where "WeChat" posts user messages and events: the inbox's <c>/wx/callback</c>, e.g.
    /// <c>http://127.0.0.1:5000/wx/callback</c>. Default empty: messaging is off and
    /// <c>POST /sim/users/{openid}/messages</c> answers 409 saying so.
    /// </summary>
    public string CallbackUrl { get; set; } = "";

    /// <summary>The Token configured on the official account (signs every callback). Default <c>sim_token_for_local_tests</c>.</summary>
    [Required]
    public string Token { get; set; } = "sim_token_for_local_tests";

    /// <summary>
    /// The 43-character EncodingAESKey for compatible and safe mode (encrypted with <see cref="AppId"/>).
    /// Default <c>SimulatorTestEncodingAesKey0123456789abcdef</c>.
    /// </summary>
    [Required]
    public string EncodingAESKey { get; set; } = "SimulatorTestEncodingAesKey0123456789abcdef";

    /// <summary>The account's original id (ToUserName of every callback). Default <c>gh_sim_official01</c>.</summary>
    [Required]
    public string OriginalId { get; set; } = "gh_sim_official01";

    /// <summary>How long one callback attempt waits for the answer. Default <c>00:00:05</c> (WeChat's value).</summary>
    public TimeSpan CallbackTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many times in total one message is posted when the answer times out, fails to connect or is not
    /// HTTP 200: the first try plus up to two retries. Default <c>3</c> (WeChat: "重试三次" in total).
    /// </summary>
    [Range(1, 10)]
    public int CallbackAttempts { get; set; } = 3;

    /// <summary>
    /// When the passive answer is empty (or every attempt failed), how long the control API waits for a
    /// customer-service message to the user before it answers <c>via: none</c>. Default <c>00:00:20</c>.
    /// </summary>
    public TimeSpan CustomerServiceWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long after the user's last message, click or subscribe message/custom/send still reaches them
    /// (later: 45015). Default <c>2.00:00:00</c> (48 h). Note: write days as days: .NET reads "48:00:00" as 48 days.
    /// </summary>
    public TimeSpan ServiceWindow { get; set; } = TimeSpan.FromHours(48);

    /// <summary>
    /// How many message/template/send calls (with a valid access_token) are accepted in any 60 seconds; more answer
    /// 45009. Default <c>0</c>: unlimited.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int TemplateQuotaPerMinute { get; set; }

    /// <summary>
    /// The account's template messages (公众平台 → 模板消息). Default: none configured, in which case
    /// <see cref="DefaultTemplates"/> (<c>TPL_FOLLOW_UP</c> 「客户跟进提醒」) is seeded.
    /// </summary>
    public List<MessageTemplate> Templates { get; set; } = [];

    /// <summary>The templates seeded when <see cref="Templates"/> is empty.</summary>
    public static IReadOnlyList<MessageTemplate> DefaultTemplates { get; } =
    [
        new()
        {
            Id = "TPL_FOLLOW_UP",
            Title = "客户跟进提醒",
            Content = "{{first.DATA}}\n客户：{{keyword1.DATA}}\n跟进时间：{{keyword2.DATA}}\n{{remark.DATA}}",
        },
    ];

    /// <summary>
    /// Test users offered on the authorize page. Default: none configured, in which case
    /// <see cref="DefaultUsers"/> (「张三」 <c>o_sim_zhangsan</c>, 「李四」 <c>o_sim_lisi</c>) are seeded.
    /// </summary>
    public List<TestUser> Users { get; set; } = [];

    /// <summary>The users seeded when <see cref="Users"/> is empty.</summary>
    public static IReadOnlyList<TestUser> DefaultUsers { get; } =
    [
        new() { OpenId = "o_sim_zhangsan", Nickname = "张三", UnionId = "u_sim_zhangsan", Sex = 1, Province = "广东", City = "深圳", Country = "中国" },
        new() { OpenId = "o_sim_lisi", Nickname = "李四", Sex = 2, Province = "北京", City = "北京", Country = "中国" },
    ];
}

/// <summary>One template message definition: its <c>Content</c> names the data keys as <c>{{key.DATA}}</c>.</summary>
public sealed record MessageTemplate
{
    /// <summary>The template_id callers send.</summary>
    public string Id { get; init; } = "";

    /// <summary>The template's title, e.g. 「客户跟进提醒」.</summary>
    public string Title { get; init; } = "";

    /// <summary>The text with <c>{{key.DATA}}</c> placeholders; every key must be present in a send's data.</summary>
    public string Content { get; init; } = "";
}
