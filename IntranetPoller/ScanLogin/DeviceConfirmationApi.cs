using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.Users;

namespace Weixin.Inbox.IntranetPoller.ScanLogin;

/// <summary>
/// <c>POST /gateway/v1/device-confirmations</c>: a WeChat user the LAN application already knows (from a redeemed
/// ticket) confirms a login on a device new to them by sending a two-digit number in the 公众号 chat. No QR code and
/// no WeChat call: the row starts <c>scanned</c> in <c>scan_logins</c>, and from there it is a scan login like any
/// other (<see cref="ScanConfirmHandler"/> confirms it, <c>GET /scan-logins/{id}</c> polls it, its ticket redeems).
/// </summary>
public static class DeviceConfirmationApi
{
    /// <summary>Problem code: the openid is not in the gateway's user directory.</summary>
    public const string UnknownUser = "unknown_user";

    /// <summary>Longest openid the directory stores.</summary>
    public const int MaxOpenIdLength = 64;

    /// <summary>Maps the device-confirmation endpoint on the (signed) gateway group.</summary>
    public static RouteGroupBuilder MapDeviceConfirmations(this RouteGroupBuilder api)
    {
        api.MapPost("/device-confirmations", CreateAsync);
        return api;
    }

    /// <summary>Stores a confirmation waiting for the user's number; 201 with its state (<c>scanned</c>, the number, the deadline).</summary>
    public static async Task<Results<Created<ScanLoginStatus>, ProblemHttpResult>> CreateAsync(
        CreateDeviceConfirmationRequest request,
        HttpContext http,
        ScanLoginStore store,
        WeixinUserDirectory users,
        IOptionsMonitor<OAuthOptions> oauth,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(DeviceConfirmationApi));
        if (!ReturnUrlPolicy.IsAllowed(request.ReturnUrl, oauth.CurrentValue.AllowedReturnPrefixes))
        {
            return GatewayApi.ReturnUrlRefused();
        }

        var openId = request.OpenId;
        if (string.IsNullOrWhiteSpace(openId))
        {
            return GatewayApi.Problem(StatusCodes.Status404NotFound, UnknownUser, "Unknown WeChat user.",
                "openId is empty: name the WeChat user (the openid of their redeemed ticket) who must confirm.");
        }

        if (openId.Length > MaxOpenIdLength)
        {
            return GatewayApi.Problem(StatusCodes.Status404NotFound, UnknownUser, "Unknown WeChat user.",
                $"openId is longer than {MaxOpenIdLength} characters; no WeChat openid is.");
        }

        if (await users.FindAsync(openId, cancellationToken) is null)
        {
            logger.LogWarning("Device confirmation refused: WeChat user {OpenId} is not in the user directory", openId);
            return GatewayApi.Problem(StatusCodes.Status404NotFound, UnknownUser, "Unknown WeChat user.",
                "The gateway has never seen this openid (no login, message or follow): it cannot ask them to confirm.");
        }

        var (login, superseded) = await store.CreateDeviceConfirmationAsync(openId, request.ReturnUrl, SignedRequestClient.Of(http), cancellationToken);
        if (superseded > 0)
        {
            logger.LogInformation("Device confirmation {LoginRef}: {Count} older login(s) of WeChat user {OpenId} still waiting for a number cancelled (superseded)",
                LoginSecrets.LogRef(login.Id), superseded, openId);
        }

        logger.LogInformation("Device confirmation {LoginRef} created for WeChat user {OpenId} ({ReturnUrl}); waiting for the number until {ExpiresAt}",
            LoginSecrets.LogRef(login.Id), openId, login.ReturnUrl, login.ExpiresAt);
        return TypedResults.Created($"/gateway/v1/scan-logins/{login.Id}", store.ToStatus(login));
    }
}
