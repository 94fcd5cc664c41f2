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
}
