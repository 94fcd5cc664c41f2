namespace Weixin.Inbox.Contracts.Inbox;

/// <summary>
/// The reasons the poller reports to the inbox (<see cref="FailRequest.Error"/>) when it refuses a message or event
/// item. They are constants on purpose: the inbox may be in an attacker's hands, and a reason that named the defect
/// (padding, length, appid, XML error, signature, sender) would let it probe the ciphertext item by item (a decryption
/// oracle). The precise defect goes to the poller's own (LAN) log, under the item's correlation id.
/// </summary>
public static class MessageFailReasons
{
    /// <summary>Any item the poller cannot open or does not believe: msg_signature, decryption, appid, XML, or a query
    /// <c>openid</c> that is not the decrypted sender.</summary>
    public const string Unopenable = "message could not be opened (details in the poller's log)";

    /// <summary>
    /// A plaintext item (no <c>encrypt_type=aes</c>) while the poller requires safe mode. Not an oracle: the inbox sees
    /// the item's mode anyway, so it gets its own reason, which tells the admin what to fix (the 公众号's 消息加解密方式).
    /// </summary>
    public const string PlaintextRefused = "plaintext message refused: the poller requires safe mode (Weixin:RequireSafeMode)";

    /// <summary>A safe-mode item reached a poller that has no key. Says nothing about the item, only the poller's settings.</summary>
    public const string NoKey = "safe-mode message, but Weixin:EncodingAESKey is not configured on the poller";
}
