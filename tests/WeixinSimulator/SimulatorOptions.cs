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

    /// <summary>
    /// The kind of 公众号 simulated, which decides the APIs it may call (others answer 48001 "api unauthorized").
    /// Default <see cref="Api.AccountType.VerifiedService"/> (已认证服务号, which has every API the product uses).
    /// </summary>
    public Api.AccountType AccountType { get; set; } = Api.AccountType.VerifiedService;

    /// <summary>cgi-bin/token calls accepted per day (Beijing time); more answer 45009. Default <c>2000</c> (WeChat's).</summary>
    [Range(0, int.MaxValue)]
    public int TokenDailyLimit { get; set; } = 2000;

    /// <summary>cgi-bin/stable_token calls accepted per day (Beijing time); more answer 45009. Default <c>500000</c> (WeChat's).</summary>
    [Range(0, int.MaxValue)]
    public int StableTokenDailyLimit { get; set; } = 500_000;

    /// <summary>cgi-bin/stable_token calls accepted per minute; more answer 45011. Default <c>10000</c> (WeChat's).</summary>
    [Range(0, int.MaxValue)]
    public int StableTokenMinuteLimit { get; set; } = 10_000;

    /// <summary>stable_token calls with <c>force_refresh=true</c> accepted per day; more answer 45009. Default <c>20</c> (WeChat's).</summary>
    [Range(0, int.MaxValue)]
    public int ForceRefreshDailyLimit { get; set; } = 20;

    /// <summary>
    /// How long after a forced refresh another one does not refresh (it answers the current token). Default
    /// <c>00:00:30</c> (WeChat's).
    /// </summary>
    public TimeSpan ForceRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Lifetime of a refresh_token. Default <c>30.00:00:00</c> (WeChat's value).</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

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
