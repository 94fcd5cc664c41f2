using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Weixin.Inbox.Contracts.Weixin;

/// <summary>Why a safe-mode message could not be decrypted.</summary>
public sealed class WeixinCryptoException(string message) : Exception(message);

/// <summary>
/// WeChat's message encryption ("safe mode"): AES-256-CBC with the key from the 43-character EncodingAESKey,
/// IV = the key's first 16 bytes, PKCS#7 padding to 32-byte blocks, plaintext
/// <c>random(16) + length(4, network order) + xml + appid</c>, base64 on the wire.
/// </summary>
public sealed class WeixinMessageCrypto
{
    private const int BlockSize = 32;
    private readonly byte[] _key;
    private readonly string _appId;

    /// <summary>Creates the crypto for one official account.</summary>
    /// <param name="encodingAesKey">The 43-character EncodingAESKey from the account's settings.</param>
    /// <param name="appId">The account's appid; checked on every decrypt.</param>
    public WeixinMessageCrypto(string encodingAesKey, string appId)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        if (encodingAesKey is not { Length: 43 })
        {
            throw new ArgumentException("EncodingAESKey must have exactly 43 characters.", nameof(encodingAesKey));
        }

        try
        {
            _key = Convert.FromBase64String(encodingAesKey + "=");
        }
        catch (FormatException)
        {
            throw new ArgumentException("EncodingAESKey is not valid base64.", nameof(encodingAesKey));
        }

        _appId = appId;
    }

    /// <summary>The account's appid.</summary>
    public string AppId => _appId;

    /// <summary>Encrypts a message; <paramref name="random"/> (16 ASCII chars) is for test vectors only.</summary>
    public string Encrypt(string xml, string? random = null)
    {
        var randomBytes = random is null ? RandomPrefix() : Encoding.ASCII.GetBytes(random);
        if (randomBytes.Length != 16)
        {
            throw new ArgumentException("The random prefix must be 16 bytes.", nameof(random));
        }

        var body = Encoding.UTF8.GetBytes(xml);
        var appId = Encoding.UTF8.GetBytes(_appId);
        var length = 16 + 4 + body.Length + appId.Length;
        var pad = BlockSize - (length % BlockSize);
        var plain = new byte[length + pad];
        randomBytes.CopyTo(plain, 0);
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(16), body.Length);
        body.CopyTo(plain, 20);
        appId.CopyTo(plain, 20 + body.Length);
        plain.AsSpan(length).Fill((byte)pad);

        using var aes = Aes.Create();
        aes.Key = _key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, _key.AsSpan(0, 16), PaddingMode.None));
    }

    /// <summary>Decrypts a message and checks its appid; throws <see cref="WeixinCryptoException"/> on any defect.</summary>
    public string Decrypt(string encrypted)
    {
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(encrypted);
        }
        catch (FormatException)
        {
            throw new WeixinCryptoException("The encrypted message is not base64.");
        }

        if (cipher.Length == 0 || cipher.Length % 16 != 0)
        {
            throw new WeixinCryptoException("The encrypted message is not a whole number of AES blocks.");
        }

        using var aes = Aes.Create();
        aes.Key = _key;

        // Note: WeChat pads to 32-byte blocks, which .NET's PKCS7 mode (16-byte blocks) rejects; strip it ourselves.
        var plain = aes.DecryptCbc(cipher, _key.AsSpan(0, 16), PaddingMode.None);
        int pad = plain[^1];
        if (pad is < 1 or > BlockSize || pad > plain.Length)
        {
            throw new WeixinCryptoException("Bad padding: wrong key or corrupted message.");
        }

        var content = plain.AsSpan(0, plain.Length - pad);
        if (content.Length < 20)
        {
            throw new WeixinCryptoException("The decrypted message is too short.");
        }

        var xmlLength = BinaryPrimitives.ReadInt32BigEndian(content.Slice(16, 4));
        if (xmlLength < 0 || xmlLength > content.Length - 20)
        {
            throw new WeixinCryptoException("Bad message length: wrong key or corrupted message.");
        }

        var appId = Encoding.UTF8.GetString(content[(20 + xmlLength)..]);
        if (!string.Equals(appId, _appId, StringComparison.Ordinal))
        {
            throw new WeixinCryptoException("The message was encrypted for another appid.");
        }

        return Encoding.UTF8.GetString(content.Slice(20, xmlLength));
    }

    private static byte[] RandomPrefix()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        var bytes = new byte[16];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        return bytes;
    }
}
