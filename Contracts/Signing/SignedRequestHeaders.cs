namespace Weixin.Inbox.Contracts.Signing;

/// <summary>
/// Header names of a signed request, in the Standard Webhooks shape: an id, a unix timestamp and
/// one or more <c>v1,&lt;base64 HMAC-SHA256&gt;</c> signatures separated by spaces; plus, towards the gateway,
/// the id of the LAN application that signed (<see cref="Client"/>, covered by the signature).
/// </summary>
public static class SignedRequestHeaders
{
    /// <summary>Unique id of the request; a verifier refuses an id it has already seen.</summary>
    public const string Id = "webhook-id";

    /// <summary>Unix time (seconds) when the request was signed.</summary>
    public const string Timestamp = "webhook-timestamp";

    /// <summary>Space-separated signatures, each <c>v1,&lt;base64&gt;</c>.</summary>
    public const string Signature = "webhook-signature";

    /// <summary>
    /// The LAN application's client id (<c>GatewaySigning:Clients:N:Id</c> on the gateway, e.g. <c>crm</c>); part of
    /// the signed string, so a request signed by one client cannot be passed off as another's.
    /// </summary>
    public const string Client = "X-Weixin-Inbox-Client";
}
