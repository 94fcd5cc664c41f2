using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace Weixin.Inbox.WeixinSimulator.OAuth;

/// <summary>WeChat's error answer, sent with HTTP 200 as WeChat does.</summary>
internal sealed record WeixinError(
    [property: JsonPropertyName("errcode")] int ErrCode,
    [property: JsonPropertyName("errmsg")] string ErrMsg);

/// <summary>Answer of sns/oauth2/access_token and sns/oauth2/refresh_token.</summary>
internal sealed record AccessTokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("refresh_token")] string RefreshToken,
    [property: JsonPropertyName("openid")] string OpenId,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("unionid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UnionId,
    [property: JsonPropertyName("is_snapshotuser"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? IsSnapshotUser = null);

/// <summary>Answer of sns/userinfo.</summary>
internal sealed record UserInfoResponse(
    [property: JsonPropertyName("openid")] string OpenId,
    [property: JsonPropertyName("nickname")] string Nickname,
    [property: JsonPropertyName("sex")] int Sex,
    [property: JsonPropertyName("province")] string Province,
    [property: JsonPropertyName("city")] string City,
    [property: JsonPropertyName("country")] string Country,
    [property: JsonPropertyName("headimgurl")] string HeadImgUrl,
    [property: JsonPropertyName("privilege")] string[] Privilege,
    [property: JsonPropertyName("unionid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UnionId);

/// <summary>WeChat's <c>{"errcode":0,"errmsg":"ok"}</c> and error answers, the errmsg carrying a rid as WeChat's do.</summary>
internal static class WeixinAnswers
{
    public static WeixinError Ok { get; } = new(0, "ok");

    public static WeixinError Error(int errcode, TimeProvider time) =>
        new(errcode, $"{WeixinErrors.MessageFor(errcode)}, rid: {Rid(time)}");

    /// <summary>A request id as WeChat appends to every errmsg (<c>66ac5b50-0e6d76ba-2a578c0a</c>).</summary>
    public static string Rid(TimeProvider time) => string.Create(CultureInfo.InvariantCulture,
        $"{time.GetUtcNow().ToUnixTimeSeconds():x8}-{RandomNumberGenerator.GetInt32(int.MaxValue):x8}-{RandomNumberGenerator.GetInt32(int.MaxValue):x8}");
}

/// <summary>The errcodes the simulator answers, with WeChat's errmsg for each.</summary>
internal static class WeixinErrors
{
    public const int SystemError = -1;
    public const int InvalidCredential = 40001;
    public const int InvalidGrantType = 40002;
    public const int InvalidOpenId = 40003;
    public const int InvalidMessageType = 40008;
    public const int InvalidAppId = 40013;
    public const int InvalidCode = 40029;
    public const int InvalidRefreshToken = 40030;
    public const int InvalidAppSecret = 40125;
    public const int CodeBeenUsed = 40163;
    public const int AccessTokenMissing = 41001;
    public const int AppIdMissing = 41002;
    public const int RefreshTokenMissing = 41003;
    public const int AppSecretMissing = 41004;
    public const int CodeMissing = 41008;
    public const int OpenIdMissing = 41009;
    public const int AccessTokenExpired = 42001;
    public const int RefreshTokenExpired = 42002;
    public const int RequireSubscribe = 43004;
    public const int EmptyContent = 44004;
    public const int OutOfTimeLimit = 45015;
    public const int OutOfResponseCountLimit = 45047;
    public const int DataFormatError = 47001;
    public const int ApiUnauthorized = 48001;
    public const int ApiQuotaLimit = 45009;
    public const int ApiMinuteQuotaLimit = 45011;
    public const int InvalidTemplateId = 40037;
    public const int ArgumentInvalid = 47003;
    public const int InvalidActionName = 40052;
    public const int InvalidActionInfo = 40053;
    public const int InvalidArgs = 40097;
    public const int QrCodeCountOutOfLimit = 45029;
    public const int MenuNotExist = 46003;
    public const int InvalidButtonSize = 40016;
    public const int InvalidButtonType = 40017;
    public const int InvalidButtonNameSize = 40018;
    public const int InvalidButtonKeySize = 40019;
    public const int InvalidButtonUrlSize = 40020;
    public const int InvalidSubButtonSize = 40023;
    public const int InvalidSubButtonType = 40024;
    public const int InvalidSubButtonNameSize = 40025;
    public const int InvalidSubButtonKeySize = 40026;
    public const int InvalidSubButtonUrlSize = 40027;

    public static string MessageFor(int errcode) => errcode switch
    {
        SystemError => "system error",
        InvalidCredential => "invalid credential, access_token is invalid or not latest",
        InvalidGrantType => "invalid grant_type",
        InvalidOpenId => "invalid openid",
        InvalidMessageType => "invalid message type",
        InvalidAppId => "invalid appid",
        InvalidCode => "invalid code",
        InvalidRefreshToken => "invalid refresh_token",
        InvalidAppSecret => "invalid appsecret",
        CodeBeenUsed => "code been used",
        AccessTokenMissing => "access_token missing",
        AppIdMissing => "appid missing",
        RefreshTokenMissing => "refresh_token missing",
        AppSecretMissing => "appsecret missing",
        CodeMissing => "missing code",
        OpenIdMissing => "missing openid",
        AccessTokenExpired => "access_token expired",
        RefreshTokenExpired => "refresh_token expired",
        RequireSubscribe => "require subscribe",
        EmptyContent => "empty content",
        OutOfTimeLimit => "response out of time limit or subscription is canceled",
        OutOfResponseCountLimit => "out of response count limit",
        DataFormatError => "data format error",
        ApiUnauthorized => "api unauthorized",
        ApiQuotaLimit => "reach max api daily quota limit",
        InvalidTemplateId => "invalid template_id",
        ArgumentInvalid => "argument invalid!",
        MenuNotExist => "menu no exist",
        InvalidButtonSize => "invalid button size",
        InvalidButtonType => "invalid button type",
        InvalidButtonNameSize => "invalid button name size",
        InvalidButtonKeySize => "invalid button key size",
        InvalidButtonUrlSize => "invalid button url size",
        InvalidSubButtonSize => "invalid sub button size",
        InvalidSubButtonType => "invalid sub button type",
        InvalidSubButtonNameSize => "invalid sub button name size",
        InvalidSubButtonKeySize => "invalid sub button key size",
        InvalidSubButtonUrlSize => "invalid sub button url size",
        InvalidActionName => "invalid action name",
        InvalidActionInfo => "invalid action info",
        InvalidArgs => "invalid args",
        QrCodeCountOutOfLimit => "qrcode count out of limit",
        ApiMinuteQuotaLimit => "api minute-quota reach limit  mustslower  retry next minute",
        40164 => "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist",
        _ => "simulated error",
    };
}
