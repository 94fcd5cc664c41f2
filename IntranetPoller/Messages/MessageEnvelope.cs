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

/// <summary>
/// Opens a stored callback (checks <c>msg_signature</c>, decrypts in safe and compatible mode, parses) and seals a
/// reply the way WeChat expects it for that mode.
/// </summary>
public sealed class MessageEnvelope(IOptionsMonitor<WeixinOptions> weixin, TimeProvider time)
{
    /// <summary>The <c>encrypt_type</c> of safe and compatible mode.</summary>
    public const string AesEncryptType = "aes";

    /// <summary>Reads the callback; on failure <paramref name="error"/> says why (never with a secret or the body).</summary>
    public bool TryOpen(MessageCallback callback, [NotNullWhen(true)] out OpenedMessage? opened, [NotNullWhen(false)] out string? error)
    {
        opened = null;
        try
        {
            var encryptType = callback.EncryptType;
            if (string.IsNullOrEmpty(encryptType) || encryptType == "raw")
            {
                // Note: plaintext mode: the inbox already checked `signature`, which is all WeChat signs in this mode.
                opened = new OpenedMessage(WeixinXml.ParseMessage(callback.Body), Encrypted: false);
                error = null;
                return true;
            }

            if (encryptType != AesEncryptType)
            {
                error = "unknown encrypt_type (expected aes or none)";
                return false;
            }

            var settings = weixin.CurrentValue;
            if (settings.EncodingAESKey.Length == 0)
            {
                error = "safe/compatible-mode message, but Weixin:EncodingAESKey is not configured on the poller";
                return false;
            }

            if (settings.Token.Length == 0)
            {
                error = "safe/compatible-mode message, but Weixin:Token is not configured on the poller";
                return false;
            }

            var fields = WeixinXml.ReadFields(callback.Body);
            if (!fields.TryGetValue("Encrypt", out var encrypted) || encrypted.Length == 0)
            {
                error = "encrypt_type=aes but the body has no <Encrypt>";
                return false;
            }

            // Note: `signature` (checked by the inbox) does not cover the body; msg_signature does, so a forged or
            // altered ciphertext stops here.
            if (!WeixinSignature.Verify(callback.MsgSignature, settings.Token, callback.Timestamp, callback.Nonce, encrypted))
            {
                error = "msg_signature does not match the body (forged, altered, or Weixin:Token differs from WeChat's)";
                return false;
            }

            var xml = new WeixinMessageCrypto(settings.EncodingAESKey, settings.AppId).Decrypt(encrypted);
            opened = new OpenedMessage(WeixinXml.ParseMessage(xml), Encrypted: true);
            error = null;
            return true;
        }
        catch (WeixinCryptoException ex)
        {
            // Note: the crypto's messages name the defect (padding, length, appid), never the key or the plaintext.
            error = "cannot decrypt: " + ex.Message;
            return false;
        }
        catch (WeixinXmlException ex)
        {
            error = "unreadable XML: " + ex.Message;
            return false;
        }
    }

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
