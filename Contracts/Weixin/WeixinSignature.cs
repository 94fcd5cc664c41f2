using System.Security.Cryptography;
using System.Text;

namespace Weixin.Inbox.Contracts.Weixin;

/// <summary>
/// WeChat's callback signature: SHA1 (lowercase hex) of the ordinally sorted, concatenated parts
/// (token, timestamp, nonce; plus the ciphertext for <c>msg_signature</c> in safe mode).
/// </summary>
public static class WeixinSignature
{
    /// <summary>Computes the signature of the given parts.</summary>
    public static string Compute(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var sorted = parts.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
#pragma warning disable CA5350 // Note: SHA1 is what WeChat's protocol prescribes; we cannot choose another hash.
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(sorted)));
#pragma warning restore CA5350
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Checks a received signature against the parts, in fixed time.</summary>
    public static bool Verify(string? signature, params string[] parts)
    {
        if (string.IsNullOrEmpty(signature) || signature.Length != 40)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(parts));

        // Note: fixed-time, so an attacker cannot learn a valid signature byte by byte from response times.
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature.ToLowerInvariant()));
    }
}
