using System.Net;
using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.IdentityProvider.Devices;

namespace Weixin.Inbox.IdentityProvider.Weixin;

/// <summary>
/// Registration of the signed gateway client and the WeChat login's cookies (the same client the CRM has: the provider
/// is one more LAN app with its own client id and key, so it gets exactly the CRM's login and never the AppSecret).
/// </summary>
/// <remarks>Note: the helpers below are copies of CrmApp's (CrmApp/Weixin/WeixinLoginExtensions.cs); see the report of issue 16.</remarks>
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
        builder.Services.AddRefitGeneratedClient<IGatewayApi>()
            .ConfigureHttpClient((sp, c) =>
            {
                c.BaseAddress = new Uri(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.BaseUrl);
                c.Timeout = TimeSpan.FromSeconds(10);
            })
            .AddHttpMessageHandler(() => new CorrelationHandler())
            .AddHttpMessageHandler(sp => new SigningHandler(sp.GetRequiredService<IOptionsMonitor<SigningOptions>>(), "Gateway", sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddOptions<NewDeviceOptions>().BindConfiguration(NewDeviceOptions.Section);
        builder.Services.AddSingleton<WeixinLoginCookies>();
        builder.Services.AddScoped<WeixinLoginCompletion>();
        builder.Services.AddSingleton<DeviceCookie>();
        builder.Services.AddScoped<DeviceStore>();
        return builder;
    }

    /// <summary>True for the failures that mean "the gateway could not be asked" rather than "the gateway said no".</summary>
    public static bool IsGatewayUnavailable(Exception ex) =>
        ex is HttpRequestException or TaskCanceledException
        || (ex is ApiException api && (int)api.StatusCode >= 500)
        // Note: Refit 16 wraps a refused connection or a timeout in ApiRequestException (not an ApiException), the cause inside.
        || (ex is not ApiException && ex.InnerException is { } inner && IsGatewayUnavailable(inner));

    /// <summary>The problem <c>code</c> of a refused redeem, when it is one of <see cref="LoginErrors"/>; else <c>ticket_invalid</c>.</summary>
    public static string RedeemErrorCode(ApiException ex) =>
        ex.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound && ProblemCode(ex) is { } code && LoginErrors.IsKnown(code)
            ? code
            : LoginErrors.TicketInvalid;

    /// <summary>The <c>code</c> of a gateway problem answer (RFC 9457 body with our <c>code</c> member), or null.</summary>
    public static string? ProblemCode(ApiException ex)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(string.IsNullOrEmpty(ex.Content) ? "{}" : ex.Content);
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && doc.RootElement.TryGetProperty("code", out var code)
                && code.ValueKind == System.Text.Json.JsonValueKind.String
                ? code.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
