using Refit;

namespace Weixin.Inbox.Contracts.Gateway;

/// <summary>The IntranetPoller's API for LAN applications (HMAC-signed, see <c>Signing/</c>).</summary>
public interface IGatewayApi
{
    /// <summary>Starts a login: a single-use state (15 min) and WeChat's authorize URL.</summary>
    [Post("/gateway/v1/logins")]
    Task<CreateLoginResponse> CreateLoginAsync([Body] CreateLoginRequest request, CancellationToken cancellationToken = default);

    /// <summary>Turns the one-time ticket into the WeChat user. Fails with 400 and a problem <c>code</c> of <see cref="LoginErrors"/>.</summary>
    [Post("/gateway/v1/logins/{loginId}/redeem")]
    Task<RedeemTicketResponse> RedeemAsync(string loginId, [Body] RedeemTicketRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads the directory entry of one WeChat user (404 when never seen).</summary>
    [Get("/gateway/v1/users/{openId}")]
    Task<WeixinUser> GetUserAsync(string openId, CancellationToken cancellationToken = default);

    /// <summary>Queues a push message (202 when queued, 200 when the idempotency key already queued the same one).
    /// Fails with a problem <c>code</c> of <see cref="MessageErrors"/>.</summary>
    [Post("/gateway/v1/messages")]
    Task<MessageStatus> SendMessageAsync([Body] SendMessageRequest request, CancellationToken cancellationToken = default);

    /// <summary>Where one push message's delivery stands (404 when unknown).</summary>
    [Get("/gateway/v1/messages/{id}")]
    Task<MessageStatus> GetMessageAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Push messages, newest first, optionally only those in one <see cref="MessageStatuses"/> state
    /// (<c>dead</c> lists the dead letters). <paramref name="limit"/>: 1–200, default 50.</summary>
    [Get("/gateway/v1/messages")]
    Task<MessageList> ListMessagesAsync([Query] string? status = null, [Query] int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>Queues a failed or dead message again (attempts start over); 409 for any other state.</summary>
    [Post("/gateway/v1/messages/{id}/resend")]
    Task<MessageStatus> ResendMessageAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Starts a desktop 扫码登录 (201). 403 with problem code <c>weixin_unauthorized</c> when the account may not
    /// create parametric QR codes, 502 <c>weixin_error</c>/<c>weixin_unreachable</c> when WeChat refused or did not answer.</summary>
    [Post("/gateway/v1/scan-logins")]
    Task<CreateScanLoginResponse> CreateScanLoginAsync([Body] CreateScanLoginRequest request, CancellationToken cancellationToken = default);

    /// <summary>The scan login's state; with <paramref name="wait"/> (seconds, at most 25) answers early when it changes.</summary>
    [Get("/gateway/v1/scan-logins/{id}")]
    Task<ScanLoginStatus> GetScanLoginAsync(string id, [Query] int? wait = null, CancellationToken cancellationToken = default);

    /// <summary>Number confirmation of a login on a device new to a WeChat user (see <see cref="CreateDeviceConfirmationRequest"/>).</summary>
    [Post("/gateway/v1/device-confirmations")]
    Task<ScanLoginStatus> CreateDeviceConfirmationAsync([Body] CreateDeviceConfirmationRequest request, CancellationToken cancellationToken = default);
}
