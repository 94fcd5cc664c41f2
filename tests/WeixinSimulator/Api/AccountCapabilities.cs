using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Weixin.Inbox.WeixinSimulator.Control;
using Weixin.Inbox.WeixinSimulator.Html;
using Weixin.Inbox.WeixinSimulator.OAuth;

namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>The four kinds of 公众号 (setting <c>Simulator__AccountType</c>).</summary>
public enum AccountType
{
    /// <summary>已认证服务号: every API the product uses.</summary>
    VerifiedService,

    /// <summary>未认证服务号: menus only (no customer service, templates, web authorization or QR codes).</summary>
    UnverifiedService,

    /// <summary>已认证订阅号: menus and customer service.</summary>
    VerifiedSubscription,

    /// <summary>未认证订阅号 (every personal account): none of them.</summary>
    UnverifiedSubscription,
}

/// <summary>An API family that not every kind of account may call.</summary>
internal enum Capability
{
    /// <summary>网页授权 (connect/oauth2/authorize, sns/*).</summary>
    WebAuthorization,

    /// <summary>模板消息 (message/template/send, template/*).</summary>
    TemplateMessage,

    /// <summary>客服接口 (message/custom/send).</summary>
    CustomerService,

    /// <summary>生成带参数二维码 (qrcode/create).</summary>
    QrCode,

    /// <summary>自定义菜单 (menu/create, menu/get, menu/delete, get_current_selfmenu_info).</summary>
    Menu,
}

/// <summary>
/// Which kind of account may call what, and the endpoint filter that answers 48001 "api unauthorized" (or, for the
/// authorize page, WeChat's error page) to an account that may not. Applied where the endpoints are mapped.
/// </summary>
internal static class AccountCapabilities
{
    // Note: the table of 公众号接口权限说明
    // (https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Explanation_of_interface_privileges.html):
    // 客服接口 for both verified kinds; 模板消息, 网页授权 and 带参数二维码 for the verified 服务号 only; 自定义菜单 for all
    // but the unverified 订阅号 (WeChat's answer to one: "调用自定义菜单需要已认证的订阅号和服务号", 48001,
    // https://developers.weixin.qq.com/community/develop/doc/000eee315849a087efde13a8256400).
    private static readonly Dictionary<Capability, AccountType[]> Table = new()
    {
        [Capability.WebAuthorization] = [AccountType.VerifiedService],
        [Capability.TemplateMessage] = [AccountType.VerifiedService],
        [Capability.QrCode] = [AccountType.VerifiedService],
        [Capability.CustomerService] = [AccountType.VerifiedService, AccountType.VerifiedSubscription],
        [Capability.Menu] = [AccountType.VerifiedService, AccountType.VerifiedSubscription, AccountType.UnverifiedService],
    };

    /// <summary>True when an account of <paramref name="type"/> may call <paramref name="capability"/>'s APIs.</summary>
    public static bool Allows(AccountType type, Capability capability) => Table[capability].Contains(type);

    /// <summary>A JSON API of <paramref name="capability"/>: 48001 (HTTP 200) for an account that may not call it.</summary>
    public static TBuilder RequireCapability<TBuilder>(this TBuilder builder, Capability capability)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var services = context.HttpContext.RequestServices;
            var type = services.GetRequiredService<AccountTypeSetting>().Current;
            if (Allows(type, capability))
            {
                return await next(context);
            }

            services.GetRequiredService<SimulatorStats>().Error(WeixinErrors.ApiUnauthorized);
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AccountCapabilities))
                .LogWarning("{Path} answered errcode 48001: a {AccountType} may not call {Capability}",
                    context.HttpContext.Request.Path.Value, type, capability);
            return TypedResults.Ok(WeixinAnswers.Error(WeixinErrors.ApiUnauthorized, services.GetRequiredService<TimeProvider>()));
        });

    /// <summary>
    /// The authorize page: an account without web authorization gets WeChat's error page and never a code.
    /// </summary>
    public static TBuilder RequireWebAuthorizationPage<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var services = context.HttpContext.RequestServices;
            var type = services.GetRequiredService<AccountTypeSetting>().Current;
            if (Allows(type, Capability.WebAuthorization))
            {
                return await next(context);
            }

            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AccountCapabilities))
                .LogWarning("Authorize refused: a {AccountType} has no web authorization", type);
            // Note: WeChat shows 「Scope 参数错误或没有 Scope 权限」 to an account without 网页授权 (an unverified or
            // expired-verification account: https://developers.weixin.qq.com/community/develop/doc/000cee5a9dcbe8a20d5154f426a400).
            return HtmlPage.Error("Scope 参数错误或没有 Scope 权限", "公众号没有网页授权权限（需要已认证的服务号）");
        });
}

/// <summary>
/// The account type in force: <c>Simulator:AccountType</c> at start, changed by <c>PUT /sim/account-type</c> (as when the
/// 公众号 is verified, or its verification lapses, while the services run).
/// </summary>
internal sealed class AccountTypeSetting(IOptions<SimulatorOptions> options)
{
    private volatile Box _current = new(options.Value.AccountType);

    public AccountType Current
    {
        get => _current.Type;
        set => _current = new Box(value);
    }

    private sealed record Box(AccountType Type);
}

/// <summary>The control endpoint of the account type (test plumbing, not part of WeChat).</summary>
internal static class AccountTypeControl
{
    public static IEndpointRouteBuilder MapAccountTypeControl(this IEndpointRouteBuilder app)
    {
        app.MapGet("/sim/account-type", (AccountTypeSetting setting) => TypedResults.Ok(new AccountTypeBody(setting.Current.ToString())));
        app.MapPut("/sim/account-type", Results<Ok<AccountTypeBody>, ProblemHttpResult> (AccountTypeBody body, AccountTypeSetting setting, ILogger<AccountTypeSetting> logger) =>
        {
            if (!Enum.TryParse<AccountType>(body.AccountType, ignoreCase: false, out var type) || !Enum.IsDefined(type))
            {
                return TypedResults.Problem($"accountType must be one of {string.Join(", ", Enum.GetNames<AccountType>())}.", statusCode: StatusCodes.Status400BadRequest);
            }

            setting.Current = type;
            logger.LogInformation("The account type is now {AccountType}", type);
            return TypedResults.Ok(new AccountTypeBody(type.ToString()));
        });
        return app;
    }
}

/// <summary>Body of <c>/sim/account-type</c>: <c>{"accountType":"VerifiedSubscription"}</c>.</summary>
internal sealed record AccountTypeBody(string AccountType);
