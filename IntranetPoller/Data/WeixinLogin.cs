namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>
/// One WeChat login started by a LAN application: the single-use OAuth <c>state</c>, where the browser
/// goes afterwards, and the one-time ticket (stored only as its SHA-256).
/// </summary>
public sealed class WeixinLogin
{
    /// <summary>Random login id (base64url, 256 bit); the application keeps it in an HttpOnly cookie.</summary>
    public required string Id { get; set; }

    /// <summary>Random OAuth state (base64url, 256 bit), unique, accepted once.</summary>
    public required string State { get; set; }

    /// <summary>Where the browser goes with <c>ticket=</c> appended.</summary>
    public required string ReturnUrl { get; set; }

    /// <summary>Where the browser goes with <c>err=</c> appended.</summary>
    public required string ErrorUrl { get; set; }

    /// <summary>
    /// The LAN application that started the login (its <c>GatewaySigning:Clients:N:Id</c>); only it may redeem the ticket.
    /// Null for logins started before client ids.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>When the login was created (UTC).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>After this the state is refused (created + <c>OAuth:StateLifetime</c>).</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>One of <see cref="LoginStatuses"/>.</summary>
    public string Status { get; set; } = LoginStatuses.Pending;

    /// <summary>The inbox item that consumed the state; set once, by a conditional update.</summary>
    public long? ItemId { get; set; }

    /// <summary>The WeChat user, once known.</summary>
    public string? OpenId { get; set; }

    /// <summary>Lower-case hex SHA-256 of the current ticket; the ticket itself is never stored.</summary>
    public string? TicketHash { get; set; }

    /// <summary>When the current ticket stops being accepted.</summary>
    public DateTimeOffset? TicketExpiresAt { get; set; }

    /// <summary>When the ticket was redeemed.</summary>
    public DateTimeOffset? RedeemedAt { get; set; }

    /// <summary>A <c>LoginErrors</c> code when the login failed.</summary>
    public string? ErrorCode { get; set; }

    /// <summary>When the ticket was issued or the login failed.</summary>
    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>States of a <see cref="WeixinLogin"/>: <c>pending → ticket_issued → redeemed</c>, or <c>failed</c>.</summary>
public static class LoginStatuses
{
    /// <summary>Waiting for the OAuth callback.</summary>
    public const string Pending = "pending";

    /// <summary>A ticket was issued and not yet redeemed.</summary>
    public const string TicketIssued = "ticket_issued";

    /// <summary>The ticket was redeemed; the login is over.</summary>
    public const string Redeemed = "redeemed";

    /// <summary>The login failed; <see cref="WeixinLogin.ErrorCode"/> says why.</summary>
    public const string Failed = "failed";
}
