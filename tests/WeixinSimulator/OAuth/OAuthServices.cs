using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Weixin.Inbox.WeixinSimulator.Control;
using Weixin.Inbox.WeixinSimulator.Users;

namespace Weixin.Inbox.WeixinSimulator.OAuth;

/// <summary>What the OAuth handlers depend on, bundled with <c>[AsParameters]</c>.</summary>
internal sealed record OAuthServices(
    IOptions<SimulatorOptions> Options,
    UserDirectory Users,
    GrantStore Grants,
    SimulatorStats Stats,
    FaultInjector Faults,
    TimeProvider Time,
    ILogger<OAuthServices> Logger)
{
    public SimulatorOptions Settings => Options.Value;

    public bool IsKnownAppId(string appId) => string.Equals(appId, Settings.AppId, StringComparison.Ordinal);

    // Note: fixed-time comparison so a caller cannot learn the AppSecret byte by byte from timings
    // (the simulator plays the real server, whose clients we want to see behave correctly).
    public bool IsAppSecret(string secret) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(Settings.AppSecret));

    /// <summary>WeChat's error answer (HTTP 200), counted in the stats; the errmsg carries a rid as WeChat's do.</summary>
    public Ok<WeixinError> Fail(string endpoint, int errcode)
    {
        Stats.Error(errcode);
        Logger.LogWarning("{Endpoint} answered errcode {Errcode}", endpoint, errcode);
        return TypedResults.Ok(WeixinAnswers.Error(errcode, Time));
    }

    /// <summary>
    /// The token answer; a snapshot user's carries <c>is_snapshotuser: 1</c> and the virtual unionid, a normal user's
    /// leaves the field out (WeChat sends it only for virtual users).
    /// </summary>
    public Ok<AccessTokenResponse> TokenAnswer(string accessToken, string refreshToken, string openId, string scope, bool snapshot = false, string? virtualUnionId = null) =>
        TypedResults.Ok(new AccessTokenResponse(
            accessToken,
            (int)Settings.AccessTokenLifetime.TotalSeconds,
            refreshToken,
            openId,
            scope,
            snapshot ? virtualUnionId : Users.Find(openId)?.UnionId,
            snapshot ? 1 : null));
}
