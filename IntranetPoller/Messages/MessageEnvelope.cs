using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Messages;

/// <summary>A callback body made readable.</summary>
/// <param name="Message">The parsed message or event.</param>
/// <param name="Encrypted">True when it came in safe or compatible mode; the reply then goes back encrypted too.</param>
public sealed record OpenedMessage(WeixinMessage Message, bool Encrypted);

/// <summary>Why a callback could not be opened.</summary>
/// <param name="Metric">The <c>reason</c> label of <c>poller_message_items_refused_total</c>: <c>plaintext</c>,
/// <c>unopenable</c>, <c>sender_mismatch</c> or <c>no_key</c>.</param>
/// <param name="Reason">What the inbox is told: one of <see cref="MessageFailReasons"/>, never the defect.</param>
/// <param name="Detail">The precise defect, for the poller's (LAN) log only; never a secret or the body.</param>
public sealed record OpenFailure(string Metric, string Reason, string Detail);

/// <summary>
/// Opens a stored callback (checks <c>msg_signature</c>, decrypts in safe and compatible mode, parses, checks the
/// sender) and seals a reply the way WeChat expects it for that mode.
/// </summary>
public sealed class MessageEnvelope(IOptionsMonitor<WeixinOptions> weixin, TimeProvider time)
{
    /// <summary>The <c>encrypt_type</c> of safe and compatible mode.</summary>
    public const string AesEncryptType = "aes";

    /// <summary>Reads the callback; on failure <paramref name="failure"/> says why (the reason for the inbox is a constant).</summary>
    public bool TryOpen(MessageCallback callback, [NotNullWhen(true)] out OpenedMessage? opened, [NotNullWhen(false)] out OpenFailure? failure)
    {
        opened = null;
        failure = null;
        var settings = weixin.CurrentValue;
        try
        {
            var encryptType = callback.EncryptType;
            if (string.IsNullOrEmpty(encryptType) || encryptType == "raw")
            {
                if (settings.SafeModeRequired)
                {
                    // Note: only `signature` vouches for a plaintext callback, and the public host holds the Token: it
                    // could write any follower's FromUserName and read the CRM's answer. Compatible mode carries
                    // <Encrypt> and msg_signature (encrypt_type=aes), so it is opened from the ciphertext below.
                    failure = new OpenFailure("plaintext", MessageFailReasons.PlaintextRefused,
                        "plaintext callback (no encrypt_type=aes) refused: Weixin:RequireSafeMode is on; set the account's 消息加解密方式 to 安全模式 (or 兼容模式)");
                    return false;
                }

                // Note: plaintext mode: the inbox already checked `signature`, which is all WeChat signs in this mode.
                return Sent(callback, new OpenedMessage(WeixinXml.ParseMessage(callback.Body), Encrypted: false), out opened, out failure);
            }

            if (encryptType != AesEncryptType)
            {
                failure = Unopenable("unknown encrypt_type (expected aes or none)");
                return false;
            }

            if (settings.EncodingAESKey.Length == 0)
            {
                failure = new OpenFailure("no_key", MessageFailReasons.NoKey,
                    "safe/compatible-mode message, but Weixin:EncodingAESKey is not configured on the poller");
                return false;
            }

            if (settings.Token.Length == 0)
            {
                failure = Unopenable("safe/compatible-mode message, but Weixin:Token is not configured on the poller");
                return false;
            }

            var fields = WeixinXml.ReadFields(callback.Body);
            if (!fields.TryGetValue("Encrypt", out var encrypted) || encrypted.Length == 0)
            {
                failure = Unopenable("encrypt_type=aes but the body has no <Encrypt>");
                return false;
            }

            // Note: `signature` (checked by the inbox) does not cover the body; msg_signature does, so a forged or
            // altered ciphertext stops here.
            if (!WeixinSignature.Verify(callback.MsgSignature, settings.Token, callback.Timestamp, callback.Nonce, encrypted))
            {
                failure = Unopenable("msg_signature does not match the body (forged, altered, or Weixin:Token differs from WeChat's)");
                return false;
            }

            var xml = new WeixinMessageCrypto(settings.EncodingAESKey, settings.AppId).Decrypt(encrypted);
            return Sent(callback, new OpenedMessage(WeixinXml.ParseMessage(xml), Encrypted: true), out opened, out failure);
        }
        catch (WeixinCryptoException ex)
        {
            // Note: the crypto's messages name the defect (padding, length, appid), never the key or the plaintext;
            // they stay in this log, the inbox only learns the constant reason.
            failure = Unopenable("cannot decrypt: " + ex.Message);
            return false;
        }
        catch (WeixinXmlException ex)
        {
            failure = Unopenable("unreadable XML: " + ex.Message);
            return false;
        }
    }

    /// <summary>
    /// The query's <c>openid</c> (what the inbox stores and shows as the sender) must be the message's own sender. In
    /// pure safe mode the inbox cannot see FromUserName, so this is the only place the two are compared.
    /// </summary>
    private static bool Sent(MessageCallback callback, OpenedMessage message, [NotNullWhen(true)] out OpenedMessage? opened, [NotNullWhen(false)] out OpenFailure? failure)
    {
        if (!string.IsNullOrEmpty(callback.OpenId) && !string.Equals(callback.OpenId, message.Message.FromUserName, StringComparison.Ordinal))
        {
            opened = null;
            failure = new OpenFailure("sender_mismatch", MessageFailReasons.Unopenable,
                $"the query's openid {callback.OpenId} is not the message's FromUserName {message.Message.FromUserName}");
            return false;
        }

        opened = message;
        failure = null;
        return true;
    }

    private static OpenFailure Unopenable(string detail) => new("unopenable", MessageFailReasons.Unopenable, detail);

    /// <summary>The passive reply body for a plaintext reply XML: the XML itself, or its encrypted envelope.</summary>
    public string Seal(string replyXml, bool encrypted)
    {
        if (!encrypted)
        {
            return replyXml;
        }

        var settings = weixin.CurrentValue;
        var encrypt = new WeixinMessageCrypto(settings.EncodingAESKey, settings.AppId).Encrypt(replyXml);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var signature = WeixinSignature.Compute(settings.Token, timestamp, nonce, encrypt);
        return WeixinXml.EncryptedReply(encrypt, signature, timestamp, nonce);
    }
}
