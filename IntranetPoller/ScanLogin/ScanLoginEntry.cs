using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.IntranetPoller.ScanLogin;

/// <summary>
/// One desktop 扫码登录 (<c>scan_logins</c>, owned by <see cref="ScanLoginStore"/>): the parametric QR code's scene,
/// who scanned it, the two-digit number they must send back, and whether the ticket was handed out.
/// </summary>
public sealed class ScanLoginEntry
{
    /// <summary>Random id (base64url, 256 bit); also the id of the <c>weixin_logins</c> row its ticket redeems against.</summary>
    public required string Id { get; set; }

    /// <summary>
    /// The QR code's <c>scene_str</c> ("L" + 32 letters and digits), unique, used once. A device confirmation has no
    /// QR code: its scene is "D" + 32 letters and digits, which no scan event can name (see <see cref="ScanLoginStore.IsSceneShaped"/>).
    /// </summary>
    public required string Scene { get; set; }

    /// <summary>One of <see cref="ScanLoginKinds"/>: a QR code scanned by the phone, or a number confirmation asked for a known user.</summary>
    public string Kind { get; set; } = ScanLoginKinds.Scan;

    /// <summary>One of <see cref="ScanLoginStates"/> as stored (waiting, scanned, confirmed, cancelled).</summary>
    public string State { get; set; } = ScanLoginStates.Waiting;

    /// <summary>Where the browser goes with <c>ticket=</c> appended (an allowed return prefix).</summary>
    public required string ReturnUrl { get; set; }

    /// <summary>
    /// The LAN application that started the login (its <c>GatewaySigning:Clients:N:Id</c>); only it may poll the state
    /// and receive the ticket. Null for logins started before client ids.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>When the login was created (UTC).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the QR code expires (WeChat's expire_seconds after creation).</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The WeChat user who scanned, once scanned.</summary>
    public string? OpenId { get; set; }

    /// <summary>The inbox item of the scan event (a re-run of the same item answers the same).</summary>
    public long? ScanItemId { get; set; }

    /// <summary>When the code was scanned; the number must arrive within two minutes of it.</summary>
    public DateTimeOffset? ScannedAt { get; set; }

    /// <summary>The two-digit number (10–99) the LAN page shows and the user sends back.</summary>
    public int? ConfirmCode { get; set; }

    /// <summary>Wrong numbers received so far; the third cancels the login.</summary>
    public int WrongAttempts { get; set; }

    /// <summary>When the right number arrived.</summary>
    public DateTimeOffset? ConfirmedAt { get; set; }

    /// <summary>When the one-time ticket was handed to the LAN application (once; only its hash is kept, in weixin_logins).</summary>
    public DateTimeOffset? TicketIssuedAt { get; set; }

    /// <summary>Correlation id of the request that created the login (for following it through the logs).</summary>
    public string CorrelationId { get; set; } = "";
}

/// <summary>Kinds of <c>scan_logins</c> rows (column <c>kind</c>).</summary>
public static class ScanLoginKinds
{
    /// <summary>Desktop 扫码登录: starts <c>waiting</c> for the scan of its QR code.</summary>
    public const string Scan = "scan";

    /// <summary>Number confirmation on a device new to a known user (<c>POST /gateway/v1/device-confirmations</c>): starts <c>scanned</c>.</summary>
    public const string Device = "device";
}
