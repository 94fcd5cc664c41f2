using Weixin.Inbox.CrmApp.Notifications;

namespace Weixin.Inbox.CrmApp.Tests.Notifications;

/// <summary>The notifications page's words for WeChat's 48001 (the account type may not call the API).</summary>
public sealed class GatewayReasonsTests
{
    [Fact]
    public void Delivery_48001_ShowsTheGatewaysReasonNamingTheAccountItNeeds()
    {
        const string gateway = "公众号未获得该接口权限（48001）：模板消息需要已认证的服务号。请在公众平台确认账号类型与认证状态。";

        Assert.Equal(gateway, GatewayReasons.Delivery(48001, gateway));
    }

    [Fact]
    public void Delivery_48001_WithoutTheGatewaysWords_StillExplainsItInChinese()
    {
        var reason = GatewayReasons.Delivery(48001, null);

        Assert.NotNull(reason);
        Assert.Contains("未获得该接口权限（48001）", reason);
    }
}
