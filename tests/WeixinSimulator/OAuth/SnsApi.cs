using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Weixin.Inbox.WeixinSimulator.Api;

namespace Weixin.Inbox.WeixinSimulator.OAuth;

/// <summary>api.weixin.qq.com's web-authorization API: code exchange, refresh, userinfo, token check.</summary>
internal static class SnsApi
{
    public static IEndpointRouteBuilder MapSns(this IEndpointRouteBuilder app)
    {
        var sns = app.MapGroup("/sns").RequireCapability(Capability.WebAuthorization);
        sns.MapGet("/oauth2/access_token", ExchangeCodeAsync);
        sns.MapGet("/oauth2/refresh_token", RefreshToken);
        sns.MapGet("/userinfo", UserInfo);
        sns.MapGet("/auth", CheckToken);
        return app;
    }

    private static async Task<Results<Ok<AccessTokenResponse>, Ok<WeixinError>>> ExchangeCodeAsync(
        [FromQuery(Name = "appid")] string? appId,
        [FromQuery(Name = "secret")] string? secret,
        [FromQuery(Name = "code")] string? code,
        [FromQuery(Name = "grant_type")] string? grantType,
        [AsParameters] OAuthServices s,
        CancellationToken cancellationToken)
    {
        const string endpoint = "sns/oauth2/access_token";
        s.Stats.CodeExchange();

        if (s.Faults.OAuthToken.TryTake() is { } fault)
        {
            if (fault.DelayMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(fault.DelayMs), s.Time, cancellationToken);
            }

            if (fault.AccessTokenErrcode != 0)
            {
                // Note: an injected fault answers before anything is checked, so the code stays unused.
                return s.Fail(endpoint, fault.AccessTokenErrcode);
            }
        }

        if (string.IsNullOrEmpty(appId))
        {
            return s.Fail(endpoint, WeixinErrors.AppIdMissing);
        }

        if (!s.IsKnownAppId(appId))
        {
            return s.Fail(endpoint, WeixinErrors.InvalidAppId);
        }

        if (string.IsNullOrEmpty(secret))
        {
            return s.Fail(endpoint, WeixinErrors.AppSecretMissing);
        }

        if (!s.IsAppSecret(secret))
        {
            // Note: WeChat does not consume the code when the secret is wrong; the check comes first.
            return s.Fail(endpoint, WeixinErrors.InvalidAppSecret);
        }

        if (grantType != "authorization_code")
        {
            return s.Fail(endpoint, WeixinErrors.InvalidGrantType);
        }

        if (string.IsNullOrEmpty(code))
        {
            return s.Fail(endpoint, WeixinErrors.CodeMissing);
        }

        var redemption = s.Grants.RedeemCode(code, appId);
        switch (redemption.Outcome)
        {
            case CodeOutcome.AlreadyUsed:
                return s.Fail(endpoint, WeixinErrors.CodeBeenUsed);
            case CodeOutcome.Unknown or CodeOutcome.Expired:
                return s.Fail(endpoint, WeixinErrors.InvalidCode);
        }

        var grant = redemption.Grant!;
        var (accessToken, refreshToken) = s.Grants.IssueTokens(grant.AppId, grant.OpenId, grant.Scope,
            snapshot: grant.IsSnapshot, virtualUnionId: grant.SnapshotUnionId);
        s.Logger.LogInformation("Code exchanged for {OpenId} ({Scope}){Snapshot}", grant.OpenId, grant.Scope, grant.IsSnapshot ? " snapshot user" : "");
        return s.TokenAnswer(accessToken, refreshToken, grant.OpenId, grant.Scope, grant.IsSnapshot, grant.SnapshotUnionId);
    }

    private static Results<Ok<AccessTokenResponse>, Ok<WeixinError>> RefreshToken(
        [FromQuery(Name = "appid")] string? appId,
        [FromQuery(Name = "grant_type")] string? grantType,
        [FromQuery(Name = "refresh_token")] string? refreshToken,
        [AsParameters] OAuthServices s)
    {
        const string endpoint = "sns/oauth2/refresh_token";
        s.Stats.RefreshCall();

        if (string.IsNullOrEmpty(appId))
        {
            return s.Fail(endpoint, WeixinErrors.AppIdMissing);
        }

        if (!s.IsKnownAppId(appId))
        {
            return s.Fail(endpoint, WeixinErrors.InvalidAppId);
        }

        if (grantType != "refresh_token")
        {
            return s.Fail(endpoint, WeixinErrors.InvalidGrantType);
        }

        if (string.IsNullOrEmpty(refreshToken))
        {
            return s.Fail(endpoint, WeixinErrors.RefreshTokenMissing);
        }

        var check = s.Grants.CheckRefreshToken(refreshToken);
        if (check.Outcome == TokenOutcome.Expired)
        {
            return s.Fail(endpoint, WeixinErrors.RefreshTokenExpired);
        }

        if (check.Grant is not { } grant || !string.Equals(grant.AppId, appId, StringComparison.Ordinal))
        {
            return s.Fail(endpoint, WeixinErrors.InvalidRefreshToken);
        }

        var (accessToken, sameRefreshToken) = s.Grants.IssueTokens(grant.AppId, grant.OpenId, grant.Scope, refreshToken, grant.Snapshot, grant.VirtualUnionId);
        s.Logger.LogInformation("Access token refreshed for {OpenId}", grant.OpenId);
        return s.TokenAnswer(accessToken, sameRefreshToken, grant.OpenId, grant.Scope, grant.Snapshot, grant.VirtualUnionId);
    }

    private static Results<Ok<UserInfoResponse>, Ok<WeixinError>> UserInfo(
        [FromQuery(Name = "access_token")] string? accessToken,
        [FromQuery(Name = "openid")] string? openId,
        [AsParameters] OAuthServices s,
        HttpRequest request)
    {
        const string endpoint = "sns/userinfo";
        s.Stats.UserinfoCall();

        if (CheckGrant(endpoint, accessToken, openId, s) is { } failure)
        {
            return failure;
        }

        var grant = s.Grants.CheckAccessToken(accessToken!).Grant!;
        if (grant.Scope != AuthorizeRequest.ScopeUserInfo)
        {
            return s.Fail(endpoint, WeixinErrors.ApiUnauthorized);
        }

        if (grant.Snapshot)
        {
            // Rule: in 快照页模式 the avatar, nickname, openid and unionid are a virtual account's ("均为虚拟账号数据"):
            // https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
            return TypedResults.Ok(new UserInfoResponse(
                grant.OpenId, "微信用户", Sex: 0, Province: "", City: "", Country: "", HeadImgUrl: "", [], grant.VirtualUnionId));
        }

        if (s.Users.Find(grant.OpenId) is not { } user)
        {
            return s.Fail(endpoint, WeixinErrors.InvalidOpenId);
        }

        // Note: since October 2021 WeChat answers sex 0 and blank province/city/country for
        // everyone; the fields stay present. Clients must not rely on them.
        return TypedResults.Ok(new UserInfoResponse(
            user.OpenId,
            user.Nickname,
            Sex: 0,
            Province: "",
            City: "",
            Country: "",
            user.AbsoluteAvatarUrl(request),
            [],
            user.UnionId));
    }

    private static Ok<WeixinError> CheckToken(
        [FromQuery(Name = "access_token")] string? accessToken,
        [FromQuery(Name = "openid")] string? openId,
        [AsParameters] OAuthServices s)
    {
        const string endpoint = "sns/auth";
        s.Stats.AuthCall();
        return CheckGrant(endpoint, accessToken, openId, s) ?? TypedResults.Ok(new WeixinError(0, "ok"));
    }

    /// <summary>Null when the token is valid and belongs to <paramref name="openId"/>, else WeChat's error.</summary>
    private static Ok<WeixinError>? CheckGrant(string endpoint, string? accessToken, string? openId, OAuthServices s)
    {
        if (string.IsNullOrEmpty(accessToken))
        {
            return s.Fail(endpoint, WeixinErrors.AccessTokenMissing);
        }

        var check = s.Grants.CheckAccessToken(accessToken);
        if (check.Outcome == TokenOutcome.Unknown)
        {
            return s.Fail(endpoint, WeixinErrors.InvalidCredential);
        }

        if (check.Outcome == TokenOutcome.Expired)
        {
            return s.Fail(endpoint, WeixinErrors.AccessTokenExpired);
        }

        if (string.IsNullOrEmpty(openId))
        {
            return s.Fail(endpoint, WeixinErrors.OpenIdMissing);
        }

        if (!string.Equals(check.Grant!.OpenId, openId, StringComparison.Ordinal))
        {
            return s.Fail(endpoint, WeixinErrors.InvalidOpenId);
        }

        return null;
    }
}
