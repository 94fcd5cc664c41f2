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

    /// <summary>Lifetime of a web-authorization access_token (<c>expires_in</c>). Default <c>02:00:00</c> (7200 s).</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Lifetime of a refresh_token. Default <c>30.00:00:00</c> (WeChat's value).</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

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
