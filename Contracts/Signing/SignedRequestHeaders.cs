namespace Weixin.Inbox.Contracts.Signing;

/// <summary>
/// Header names of a signed request, in the Standard Webhooks shape: an id, a unix timestamp and
/// one or more <c>v1,&lt;base64 HMAC-SHA256&gt;</c> signatures separated by spaces.
/// </summary>
public static class SignedRequestHeaders
{
    /// <summary>Unique id of the request; a verifier refuses an id it has already seen.</summary>
    public const string Id = "webhook-id";

    /// <summary>Unix time (seconds) when the request was signed.</summary>
    public const string Timestamp = "webhook-timestamp";

    /// <summary>Space-separated signatures, each <c>v1,&lt;base64&gt;</c>.</summary>
    public const string Signature = "webhook-signature";
}
