using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.Weixin;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.IntranetPoller.ScanLogin;

/// <summary>
/// <c>/gateway/v1/scan-logins</c>: desktop 扫码登录. The poller creates a parametric QR code, the phone's scan arrives
/// as a SCAN / subscribe event (<see cref="QrScanHandler"/>), the user confirms with a two-digit number in safe
/// mode (<see cref="ScanConfirmHandler"/>), and the LAN application long-polls the state here.
/// </summary>
public static class ScanLoginApi
{
    /// <summary>Problem code: the account may not create parametric QR codes (48001).</summary>
    public const string WeixinUnauthorized = "weixin_unauthorized";

    /// <summary>Problem code: WeChat refused the call.</summary>
    public const string WeixinError = "weixin_error";

    /// <summary>Problem code: WeChat did not answer.</summary>
    public const string WeixinUnreachable = "weixin_unreachable";

    /// <summary>Longest long-poll.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(25);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(300);

    private const string QrCodeApi = "cgi-bin/qrcode/create";

    /// <summary>Registers <see cref="ScanLoginStore"/> (used by the gateway and by the message handlers).</summary>
    public static IServiceCollection AddScanLogins(this IServiceCollection services)
    {
        services.TryAddScoped<ScanLoginStore>();
        return services;
    }

    /// <summary>Maps the scan-login endpoints on the (signed) gateway group.</summary>
    public static RouteGroupBuilder MapScanLogins(this RouteGroupBuilder api)
    {
        api.MapPost("/scan-logins", CreateAsync);
        api.MapGet("/scan-logins/{id}", GetAsync).WithMetadata(new SecretRouteValues("id"));
        return api;
    }

    /// <summary>Creates the QR code with WeChat and stores a waiting login.</summary>
    public static async Task<Results<Created<CreateScanLoginResponse>, ProblemHttpResult>> CreateAsync(
        CreateScanLoginRequest request,
        HttpContext http,
        ScanLoginStore store,
        AccessTokenProvider tokens,
        WeixinServiceClient weixin,
        IOptionsMonitor<OAuthOptions> oauth,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(ScanLoginApi));
        if (!ReturnUrlPolicy.IsAllowed(request.ReturnUrl, oauth.CurrentValue.AllowedReturnPrefixes))
        {
            return GatewayApi.ReturnUrlRefused();
        }

        var scene = ScanLoginStore.NewScene();
        var result = await tokens.CallWithTokenAsync(
            (token, ct) => weixin.CreateTemporaryQrCodeAsync(token, scene, ScanLoginStore.ExpireSeconds, ct), cancellationToken);
        if (result.NoAccessToken)
        {
            logger.LogWarning("Scan login not started: no access_token ({Reason})", result.ErrMsg);
            return result.ErrCode == WeixinErrorCodes.IpNotWhitelisted
                ? GatewayApi.Problem(StatusCodes.Status502BadGateway, WeixinError, "WeChat refused the access_token request.",
                    $"WeChat refused the gateway's IP (40164): add the poller's egress IP to the account's IP whitelist. {result.ErrMsg}")
                : GatewayApi.Problem(StatusCodes.Status502BadGateway, WeixinUnreachable, "No access_token.", result.ErrMsg ?? "WeChat did not answer.");
        }

        switch (result.Outcome)
        {
            case WeixinOutcome.Ok:
                break;
            case WeixinOutcome.Error when result.ErrCode == 48001:
                WeixinPermissions.Log(logger, QrCodeApi, result.ErrMsg);
                return GatewayApi.Problem(StatusCodes.Status403Forbidden, WeixinUnauthorized, "The official account may not create parametric QR codes.",
                    WeixinPermissions.Reason(QrCodeApi));
            case WeixinOutcome.Error when result.ErrCode == WeixinErrorCodes.IpNotWhitelisted:
                logger.LogError("WeChat refused {Api} from this IP (40164: {ErrMsg}); add the poller's egress IP to the account's IP whitelist", QrCodeApi, result.ErrMsg);
                return GatewayApi.Problem(StatusCodes.Status502BadGateway, WeixinError, "WeChat refused the gateway's IP.",
                    $"WeChat refused the call from this IP (40164): add the poller's egress IP to the account's IP whitelist ({result.ErrMsg}).");
            case WeixinOutcome.Error:
                logger.LogError("WeChat refused {Api} with errcode {ErrCode} ({ErrMsg})", QrCodeApi, result.ErrCode, result.ErrMsg);
                return GatewayApi.Problem(StatusCodes.Status502BadGateway, WeixinError, "WeChat refused to create the QR code.",
                    $"WeChat answered errcode {result.ErrCode} ({result.ErrMsg}) to {QrCodeApi}.");
            default:
                logger.LogWarning("WeChat did not answer {Api} ({Reason})", QrCodeApi, result.ErrMsg);
                return GatewayApi.Problem(StatusCodes.Status502BadGateway, WeixinUnreachable, "WeChat did not answer.", result.ErrMsg ?? "WeChat did not answer.");
        }

        var qr = result.Value!;
        // Note: WeChat echoes the lifetime it granted; the shorter of the two decides, so the page never shows a dead code as live.
        var seconds = qr.ExpireSeconds is > 0 and < ScanLoginStore.ExpireSeconds ? qr.ExpireSeconds : ScanLoginStore.ExpireSeconds;
        var login = await store.CreateAsync(scene, request.ReturnUrl, time.GetUtcNow().AddSeconds(seconds), SignedRequestClient.Of(http), cancellationToken);
        logger.LogInformation("Scan login {LoginRef} started for {ReturnUrl}, QR code expires at {ExpiresAt}", LoginSecrets.LogRef(login.Id), login.ReturnUrl, login.ExpiresAt);
        return TypedResults.Created($"/gateway/v1/scan-logins/{login.Id}", new CreateScanLoginResponse(login.Id, qr.Url!, login.ExpiresAt));
    }

    /// <summary>
    /// The state; with <c>wait</c> (seconds, at most 25) waits for a change first. The first answer that reports
    /// <c>confirmed</c> carries the one-time ticket.
    /// </summary>
    public static async Task<Results<Ok<ScanLoginStatus>, ProblemHttpResult>> GetAsync(
        string id,
        int? wait,
        HttpContext http,
        ScanLoginStore store,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var login = id.Length > 43 ? null : await store.FindAsync(id, cancellationToken);
        if (login is not null && !string.Equals(login.ClientId, SignedRequestClient.Of(http), StringComparison.Ordinal))
        {
            // Note: the number and the ticket belong to the application that started the login; another one learns
            // nothing, not even that it exists.
            loggers.CreateLogger(typeof(ScanLoginApi)).LogWarning("Scan login {LoginRef}: state refused (started by client {StartedBy})", LoginSecrets.LogRef(login.Id), login.ClientId);
            login = null;
        }

        if (login is null)
        {
            return GatewayApi.Problem(StatusCodes.Status404NotFound, "scan_login_unknown", "Unknown scan login.", "No scan login with this id.");
        }

        var status = store.ToStatus(login);
        var waitFor = TimeSpan.FromSeconds(Math.Clamp(wait ?? 0, 0, (int)MaxWait.TotalSeconds));
        var until = time.GetUtcNow() + waitFor;
        while (status.State is ScanLoginStates.Waiting or ScanLoginStates.Scanned && time.GetUtcNow() < until)
        {
            await Task.Delay(PollInterval, time, cancellationToken);
            login = await store.FindAsync(id, cancellationToken) ?? login;
            var next = store.ToStatus(login);
            if (next.State != status.State)
            {
                status = next;
                break;
            }
        }

        if (status.State == ScanLoginStates.Confirmed && login.TicketIssuedAt is null &&
            await store.TryIssueTicketAsync(login, cancellationToken) is { } ticket)
        {
            loggers.CreateLogger(typeof(ScanLoginApi)).LogInformation("Scan login {LoginRef}: ticket handed out for WeChat user {OpenId}", LoginSecrets.LogRef(login.Id), login.OpenId);
            status = store.ToStatus(login, ticket);
        }

        return TypedResults.Ok(status);
    }
}
