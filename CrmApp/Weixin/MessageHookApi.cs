using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Hooks;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>
/// What the CRM answers when an employee writes to the 公众号 or taps its menu. Called by the gateway only
/// (signed with the hook's own key, <c>Gateway:HookKeys</c>, never the CRM's client key); customer data goes only to
/// WeChat users bound to an active CRM account, and only the customers that account may see (a 管理员 all, a 销售 their own).
/// </summary>
public static class MessageHookApi
{
    /// <summary>Menu key of 「我的客户」.</summary>
    public const string MyCustomersKey = "MY_CUSTOMERS";

    /// <summary>Name of the signing options that verify hook calls (<c>Gateway:HookKeys</c>).</summary>
    public const string SigningName = "GatewayHook";

    private const int MaxListed = 5;

    public static WebApplicationBuilder AddMessageHook(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SigningOptions>(SigningName)
            .Configure<IOptions<GatewayOptions>>((signing, gateway) => signing.Keys = [.. gateway.Value.HookKeys]);
        // Note: the gateway's signed requests are refused when replayed, on any CRM instance (request_ids in crm).
        builder.AddReplayGuard<CrmDbContext>();
        return builder;
    }

    public static WebApplication MapMessageHook(this WebApplication app)
    {
        app.UseSignedRequests();
        app.MapGroup("/weixin/hook").RequireSignedRequests(SigningName).AllowAnonymous().DisableAntiforgery()
            .MapPost("/message", HandleAsync);
        return app;
    }

    public static async Task<MessageHookResponse> HandleAsync(
        MessageHookRequest request, CrmDbContext db, IOptions<GatewayOptions> gateway, ILogger<MessageHookRequest> logger, CancellationToken cancellationToken)
    {
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.WeixinOpenId == request.OpenId, cancellationToken);
        var loginUrl = gateway.Value.PublicBaseUrl.TrimEnd('/') + "/login/weixin";
        var text = request.MsgType == "event"
            ? request.EventKey
            : request.Content?.Trim();
        logger.LogInformation("Hook {MsgType} from {OpenId} (bound account {AccountId}, {Status})", request.MsgType, request.OpenId, account?.Id, account?.Status);

        if (text is "帮助" or "help" or "?" or "？" or null or "")
        {
            return Reply(account?.Status switch
            {
                AccountStatuses.Pending => PendingReply,
                AccountStatuses.Disabled => DisabledReply,
                _ => Help(account is not null, loginUrl),
            });
        }

        if (account is null)
        {
            // Note: only bound employees may see customer data; an outsider following the account learns nothing.
            return Reply($"您的微信还没有绑定客户管理系统账号。请点击菜单「登录CRM」或打开 {loginUrl} 登录并绑定后再查询。");
        }

        if (account.Status == AccountStatuses.Pending)
        {
            // Note: a self-registered account (any WeChat user can make one) sees nothing until a 管理员 approves it.
            return Reply(PendingReply);
        }

        if (account.Status != AccountStatuses.Active)
        {
            return Reply(DisabledReply);
        }

        var isAdmin = account.Role == AccountRoles.Admin;

        if (text == MyCustomersKey)
        {
            var mine = await db.Customers.AsNoTracking().Where(c => c.OwnerId == account.Id)
                .OrderBy(c => c.Name).Take(MaxListed + 1).ToListAsync(cancellationToken);
            return Reply(List($"{account.DisplayName}，您负责的客户", mine, gateway.Value.PublicBaseUrl));
        }

        if (text.StartsWith("客户", StringComparison.Ordinal))
        {
            var keyword = text["客户".Length..].Trim();
            if (keyword.Length == 0)
            {
                return Reply("请在「客户」后面加上姓名或公司，例如：客户 张");
            }

            // Note: a 管理员 searches every customer, a 销售 only their own (as on the pages).
            var found = await db.Customers.AsNoTracking()
                .Where(c => isAdmin || c.OwnerId == account.Id)
                .Where(c => c.Name.Contains(keyword) || (c.Company != null && c.Company.Contains(keyword)))
                .OrderBy(c => c.Name).Take(MaxListed + 1).ToListAsync(cancellationToken);
            return Reply(List($"「{keyword}」的查询结果", found, gateway.Value.PublicBaseUrl));
        }

        return Reply("没有识别这条指令。回复「帮助」查看可用指令。");
    }

    /// <summary>The answer to a bound account that waits for a 管理员's approval.</summary>
    public const string PendingReply = "您的账号正在等待管理员审核，审核通过后才能查询客户。请联系管理员在「用户管理」中批准。";

    /// <summary>The answer to a bound account a 管理员 disabled.</summary>
    public const string DisabledReply = "该账号已停用，请联系管理员。";

    private static string Help(bool bound, string loginUrl) => bound
        ? "可用指令：\n· 客户 <姓名或公司>：查询客户，例如「客户 张」\n· 菜单「我的客户」：查看您负责的客户\n· 帮助：显示本说明"
        : $"可用指令：\n· 客户 <姓名或公司>：查询客户（需先绑定账号）\n· 帮助：显示本说明\n请先打开 {loginUrl} 登录并绑定微信。";

    private static string List(string title, List<Customer> customers, string baseUrl)
    {
        if (customers.Count == 0)
        {
            return title + "：没有找到客户。";
        }

        var text = new StringBuilder(title).Append('：');
        foreach (var c in customers.Take(MaxListed))
        {
            text.Append("\n· ").Append(c.Name);
            if (!string.IsNullOrEmpty(c.Company))
            {
                text.Append('（').Append(c.Company).Append('）');
            }

            if (!string.IsNullOrEmpty(c.Phone))
            {
                text.Append(' ').Append(c.Phone);
            }
        }

        if (customers.Count > MaxListed)
        {
            text.Append("\n……更多结果请在系统中查看：").Append(baseUrl.TrimEnd('/')).Append("/customers");
        }

        return text.ToString();
    }

    private static MessageHookResponse Reply(string text) => new(text);
}
