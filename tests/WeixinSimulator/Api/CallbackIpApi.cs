using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Weixin.Inbox.WeixinSimulator.OAuth;

namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>WeChat's answer to <c>{"ip_list":[…]}</c>.</summary>
internal sealed record CallbackIpList([property: System.Text.Json.Serialization.JsonPropertyName("ip_list")] IReadOnlyList<string> IpList);

/// <summary><c>GET cgi-bin/getcallbackip</c>: the addresses WeChat posts callbacks from (<c>Simulator:CallbackIps</c>).</summary>
internal static class CallbackIpApi
{
    // Rule: GET cgi-bin/getcallbackip?access_token= answers {"ip_list":[addresses or CIDR ranges]}, errors as {errcode,errmsg} (https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_the_WeChat_server_IP_address.html).
    public static Results<Ok<CallbackIpList>, Ok<WeixinError>> GetCallbackIp(
        [FromQuery(Name = "access_token")] string? accessToken, [AsParameters] ApiServices s)
    {
        if (s.CheckApiToken("getcallbackip", accessToken) is { } tokenFailure)
        {
            return tokenFailure;
        }

        return TypedResults.Ok(new CallbackIpList(s.Settings.EffectiveCallbackIps));
    }
}
