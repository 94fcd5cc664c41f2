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
    /// What <c>cgi-bin/getcallbackip</c> answers: the addresses (or CIDR ranges) WeChat posts callbacks from. Default:
    /// none configured, in which case <see cref="DefaultCallbackIps"/> (<c>127.0.0.1</c>, where the simulator posts
    /// from in the demo and the tests) is used.
    /// </summary>
    public List<string> CallbackIps { get; set; } = [];

    /// <summary>The list used when <see cref="CallbackIps"/> is empty.</summary>
    public static IReadOnlyList<string> DefaultCallbackIps { get; } = ["127.0.0.1"];

    /// <summary>The configured <see cref="CallbackIps"/>, or the defaults when none are.</summary>
    public IReadOnlyList<string> EffectiveCallbackIps => CallbackIps.Count > 0 ? CallbackIps : DefaultCallbackIps;

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
    /// How long after a user's message its 5 customer-service messages may be sent (later: 45015). Default
    /// <c>2.00:00:00</c> (48 h, WeChat's value). Note: write days as days: .NET reads "48:00:00" as 48 days.
    /// </summary>
    public TimeSpan ServiceWindow { get; set; } = TimeSpan.FromHours(48);

    /// <summary>
    /// How long after a menu click, a follow or a QR scan its 3 customer-service messages may be sent (later: 45015).
    /// Default <c>00:01:00</c> (WeChat's value); tests shorten it to see the window close.
    /// </summary>
    public TimeSpan EventServiceWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How a message's 48 h quota and a click/follow/scan's 1-minute quota of the same user combine; WeChat's doc does
    /// not say. <c>Separate</c> (default): counted apart, a send uses the quota closing first. <c>LatestReplaces</c>:
    /// only the latest interaction's quota counts (a click during a message's 48 h leaves 3 sends within 1 minute).
    /// </summary>
    public GrantOverlap CustomerServiceGrantOverlap { get; set; } = GrantOverlap.Separate;

    /// <summary>
    /// How many message/template/send calls (with a valid access_token) are accepted in any 60 seconds; more answer
    /// 45009. Default <c>0</c>: unlimited.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int TemplateQuotaPerMinute { get; set; }

    /// <summary>
    /// What message/template/send answers for a repeat of an openid and client_msg_id it accepted within 10 minutes
    /// (never delivered twice). WeChat's doc only says "只发送一条消息"
    /// (https://developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage), so both readings are
    /// offered. Default <see cref="DuplicateClientMsgIdAnswer.EarlierMsgId"/>.
    /// </summary>
    public DuplicateClientMsgIdAnswer DuplicateClientMsgId { get; set; } = DuplicateClientMsgIdAnswer.EarlierMsgId;

    /// <summary>
    /// What qrcode/create does with a temporary code's <c>expire_seconds</c> outside 1–2592000. The doc only gives the
    /// maximum (https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html),
    /// not the answer to a value beyond it, so both readings are offered. Default <see cref="QrExpiryOutOfRange.Reject"/>.
    /// </summary>
    public QrExpiryOutOfRange QrExpireOutOfRange { get; set; } = QrExpiryOutOfRange.Reject;

    /// <summary>
    /// How many permanent QR codes (QR_LIMIT_SCENE, QR_LIMIT_STR_SCENE) the account may create; one more answers 45029.
    /// Default 100000, WeChat's "目前为最多10万个"
    /// (https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html).
    /// </summary>
    [Range(0, int.MaxValue)]
    public int QrPermanentLimit { get; set; } = 100_000;

    /// <summary>
    /// The account's template messages (公众平台 → 模板消息). Default: none configured, in which case
    /// <see cref="DefaultTemplates"/> (<c>TPL_FOLLOW_UP</c> 「客户跟进提醒」) is seeded.
    /// </summary>
    public List<MessageTemplate> Templates { get; set; } = [];

    /// <summary>
    /// The templates seeded when <see cref="Templates"/> is empty: a category template (类目模板) with typed keywords, as
    /// every template added since 2023 is.
    /// </summary>
    public static IReadOnlyList<MessageTemplate> DefaultTemplates { get; } =
    [
        new()
        {
            Id = "TPL_FOLLOW_UP",
            Title = "客户跟进提醒",
            Content = "客户名称：{{thing1.DATA}}\n跟进时间：{{time2.DATA}}\n跟进内容：{{thing3.DATA}}\n提醒人：{{thing4.DATA}}",
            Example = "客户名称：张伟（华南贸易）\n跟进时间：2026-11-25 10:00\n跟进内容：回访报价，确认签约时间\n提醒人：李娜",
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

/// <summary>qrcode/create's answer to an out-of-range expire_seconds (see <see cref="SimulatorOptions.QrExpireOutOfRange"/>).</summary>
public enum QrExpiryOutOfRange
{
    /// <summary>errcode 40097 (invalid args): the strict reading.</summary>
    Reject,

    /// <summary>The code is created anyway: above 2592000 lives 2592000 s, 0 or less lives the default 60 s.</summary>
    Clamp,
}

/// <summary>What message/template/send answers for a repeated client_msg_id (see <see cref="SimulatorOptions.DuplicateClientMsgId"/>).</summary>
public enum DuplicateClientMsgIdAnswer
{
    /// <summary><c>{"errcode":0,"errmsg":"ok","msgid":&lt;the first send's msgid&gt;}</c>.</summary>
    EarlierMsgId,

    /// <summary><c>{"errcode":47003,"errmsg":"argument invalid! client_msg_id duplicated rid: …"}</c>.</summary>
    Error,
}

/// <summary>One template message definition: its <c>Content</c> names the data keys as <c>{{key.DATA}}</c>.</summary>
public sealed record MessageTemplate
{
    /// <summary>The template_id callers send.</summary>
    public string Id { get; init; } = "";

    /// <summary>The template's title, e.g. 「客户跟进提醒」.</summary>
    public string Title { get; init; } = "";

    /// <summary>
    /// The text with <c>{{key.DATA}}</c> placeholders, one keyword a line (<c>客户名称：{{thing1.DATA}}</c>); every key
    /// must be present in a send's data (except <c>first</c>/<c>remark</c>), and a typed key's value must fit its type.
    /// </summary>
    public string Content { get; init; } = "";

    /// <summary>The template's first-level industry, as get_all_private_template lists it. Default 「IT科技」.</summary>
    public string PrimaryIndustry { get; init; } = "IT科技";

    /// <summary>The template's second-level industry. Default 「IT软件与服务」.</summary>
    public string DeputyIndustry { get; init; } = "IT软件与服务";

    /// <summary>An example of the filled-in template, as get_all_private_template lists it. Default empty.</summary>
    public string Example { get; init; } = "";
}

/// <summary>How two open customer-service quotas of one user combine; WeChat's doc does not say.</summary>
public enum GrantOverlap
{
    /// <summary>A message's 48 h quota and an event's 1-minute quota are counted apart; a send uses the one closing first.</summary>
    Separate,

    /// <summary>Only the latest interaction's quota counts: a click during a message's 48 h replaces it with 3 in 1 minute.</summary>
    LatestReplaces,
}
