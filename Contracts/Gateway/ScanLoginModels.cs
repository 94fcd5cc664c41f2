namespace Weixin.Inbox.Contracts.Gateway;

/// <summary>Starts a desktop 扫码登录: the gateway creates a WeChat parametric QR code (300 s).</summary>
/// <param name="ReturnUrl">Where the desktop browser continues with the ticket; must match an allowed return prefix.</param>
public sealed record CreateScanLoginRequest(string ReturnUrl);

/// <summary>A started scan login.</summary>
/// <param name="Id">Keep it in an HttpOnly cookie; poll its state and redeem its ticket with it.</param>
/// <param name="QrContent">What the QR code must encode (WeChat's <c>url</c>); render it in the LAN.</param>
/// <param name="ExpiresAt">When the QR code stops working.</param>
public sealed record CreateScanLoginResponse(string Id, string QrContent, DateTimeOffset ExpiresAt);

/// <summary>Where a scan login stands.</summary>
/// <param name="Id">The scan login.</param>
/// <param name="State">One of <see cref="ScanLoginStates"/>.</param>
/// <param name="ExpiresAt">When the QR code (or, once scanned, the confirmation) stops being accepted.</param>
/// <param name="ConfirmCode">While <c>scanned</c>: the two-digit number the LAN page shows (「请在微信公众号对话中发送数字 47 确认登录」).</param>
/// <param name="Ticket">Once, on the first answer that reports <c>confirmed</c>: the one-time ticket; redeem it with
/// <see cref="IGatewayApi.RedeemAsync"/> using <paramref name="Id"/> as the login id (within the ticket lifetime).</param>
public sealed record ScanLoginStatus(string Id, string State, DateTimeOffset ExpiresAt, string? ConfirmCode = null, string? Ticket = null);

/// <summary>States of a scan login.</summary>
public static class ScanLoginStates
{
    /// <summary>The QR code is shown; nobody scanned it yet.</summary>
    public const string Waiting = "waiting";

    /// <summary>Scanned; waiting for the user to send the two-digit number in the 公众号 chat.</summary>
    public const string Scanned = "scanned";

    /// <summary>The right number arrived; the ticket is (or was) handed out.</summary>
    public const string Confirmed = "confirmed";

    /// <summary>The QR code or the confirmation window ran out.</summary>
    public const string Expired = "expired";

    /// <summary>Three wrong numbers.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>
/// Asks a WeChat user already known by openid (from a redeemed OAuth ticket) to confirm a login on a device new to
/// them, with a two-digit number sent in the 公众号 chat. The gateway answers a <see cref="ScanLoginStatus"/> in state
/// <c>scanned</c> (the number in <c>ConfirmCode</c>); poll it with <see cref="IGatewayApi.GetScanLoginAsync"/> and
/// redeem its ticket with its id exactly like a scan login. The identity to trust is the one of that second ticket.
/// The number is accepted for two minutes (<c>ExpiresAt</c>); three wrong numbers cancel it. A newer confirmation for
/// the same user cancels their older ones still waiting for a number. The gateway sends the user nothing: the LAN page
/// shows the number and tells them to send it. Refusals: 400 <c>return_url_not_allowed</c>; 404 <c>unknown_user</c>
/// (the openid is empty, longer than 64 characters, or not in the gateway's user directory).
/// </summary>
/// <param name="OpenId">The WeChat user who must confirm.</param>
/// <param name="ReturnUrl">Where the browser continues afterwards; must match an allowed return prefix.</param>
public sealed record CreateDeviceConfirmationRequest(string OpenId, string ReturnUrl);
