using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.WeixinLogin;

namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>Registration of the signed gateway client and the WeChat login's cookies.</summary>
public static class WeixinLoginExtensions
{
    public static WebApplicationBuilder AddWeixinLogin(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SigningOptions>("Gateway").Configure<IOptions<GatewayOptions>>((signing, gateway) =>
        {
            signing.Keys = [gateway.Value.ClientKey];
            signing.ClientId = gateway.Value.ClientId;
        });
        builder.Services.AddRefitGeneratedClient<IGatewayApi>(_ => RefitJson.Settings)
            .ConfigureHttpClient((sp, c) =>
            {
                c.BaseAddress = new Uri(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.BaseUrl);
                c.Timeout = TimeSpan.FromSeconds(10);
            })
            .AddHttpMessageHandler(() => new CorrelationHandler())
            .AddHttpMessageHandler(sp => new SigningHandler(sp.GetRequiredService<IOptionsMonitor<SigningOptions>>(), "Gateway", sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<WeixinLoginCookies>();
        builder.Services.AddSingleton<IPendingLoginCookie>(sp => sp.GetRequiredService<WeixinLoginCookies>());
        builder.Services.AddScoped<WeixinLoginCompletion>();
        // Note: the shared /login/weixin/status and /confirm page models (WeixinLogin/Pages) finish a login through this.
        builder.Services.AddScoped<IWeixinLoginCompletion>(sp => sp.GetRequiredService<WeixinLoginCompletion>());
        return builder;
    }
}
