namespace Weixin.Inbox.Contracts.Gateway;

/// <summary>Starts a WeChat login for a LAN application.</summary>
/// <param name="ReturnUrl">Where the browser goes with <c>ticket=</c> appended; must match an allowed prefix.</param>
/// <param name="ErrorUrl">Where the browser goes with <c>err=</c> appended on failure; default: the return URL's origin + <c>/login</c>.</param>
public sealed record CreateLoginRequest(string ReturnUrl, string? ErrorUrl = null);

/// <summary>A started login.</summary>
/// <param name="LoginId">Keep it in an HttpOnly cookie; redeem needs it.</param>
/// <param name="AuthorizeUrl">Send the browser here (WeChat's authorize page).</param>
/// <param name="ExpiresAt">After this the login's state is refused.</param>
public sealed record CreateLoginResponse(string LoginId, string AuthorizeUrl, DateTimeOffset ExpiresAt);

/// <summary>Redeems the one-time ticket the browser brought back.</summary>
public sealed record RedeemTicketRequest(string Ticket);

/// <summary>The WeChat user who logged in.</summary>
public sealed record RedeemTicketResponse(string LoginId, WeixinUser User);

/// <summary>An entry of the WeChat user directory kept by the gateway.</summary>
/// <param name="OpenId">The user's openid for this official account.</param>
/// <param name="UnionId">Present when the account is tied to an open platform.</param>
/// <param name="Nickname">Nickname at the last login.</param>
/// <param name="HeadImgUrl">Avatar URL at the last login.</param>
/// <param name="Sex">0 unknown, 1 male, 2 female (WeChat now returns 0).</param>
/// <param name="Province">Usually blank since 2021.</param>
/// <param name="City">Usually blank since 2021.</param>
/// <param name="Country">Usually blank since 2021.</param>
/// <param name="FirstSeenAt">First login through the gateway.</param>
/// <param name="LastSeenAt">Latest login through the gateway.</param>
/// <param name="LoginCount">Number of completed logins.</param>
public sealed record WeixinUser(
    string OpenId,
    string? UnionId,
    string Nickname,
    string? HeadImgUrl,
    int Sex,
    string? Province,
    string? City,
    string? Country,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset LastSeenAt,
    int LoginCount);
