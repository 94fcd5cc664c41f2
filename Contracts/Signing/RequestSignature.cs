using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Weixin.Inbox.Contracts.Signing;

/// <summary>
/// HMAC-SHA256 over <c>id.timestamp.METHOD.target.body</c>, where target is the path with its query string; a request
/// that names its client (<see cref="SignedRequestHeaders.Client"/>) signs <c>id.client.timestamp.METHOD.target.body</c>.
/// </summary>
public static class RequestSignature
{
    /// <summary>Version prefix of a signature in the signature header.</summary>
    public const string Version = "v1";

    /// <summary>Computes the base64 signature of one request that names no client.</summary>
    public static string Compute(ReadOnlySpan<byte> key, string id, long timestamp, string method, string target, ReadOnlySpan<byte> body) =>
        Compute(key, null, id, timestamp, method, target, body);

    /// <summary>
    /// Computes the base64 signature of one request; <paramref name="client"/> (null or empty: none) is signed
    /// between the id and the timestamp.
    /// </summary>
    public static string Compute(ReadOnlySpan<byte> key, string? client, string id, long timestamp, string method, string target, ReadOnlySpan<byte> body)
    {
        // Note: the two forms cannot be mistaken for each other: ids hold no '.', a client id starts with a letter and
        // a timestamp is digits, so the second segment says which form was signed. A request without a client keeps
        // exactly the old form, so the inbox and the poller (PollerSigning) stay compatible across versions.
        var time = timestamp.ToString(CultureInfo.InvariantCulture);
        var prefix = string.IsNullOrEmpty(client)
            ? $"{id}.{time}.{method.ToUpperInvariant()}.{target}."
            : $"{id}.{client}.{time}.{method.ToUpperInvariant()}.{target}.";
        var prefixLength = Encoding.UTF8.GetByteCount(prefix);
        var buffer = ArrayPool<byte>.Shared.Rent(prefixLength + body.Length);
        try
        {
            Encoding.UTF8.GetBytes(prefix, buffer);
            body.CopyTo(buffer.AsSpan(prefixLength));
            var mac = HMACSHA256.HashData(key, buffer.AsSpan(0, prefixLength + body.Length));
            return Convert.ToBase64String(mac);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>Turns a configured key (at least 32 characters) into HMAC key bytes.</summary>
    public static byte[] KeyBytes(string configuredKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuredKey);
        return Encoding.UTF8.GetBytes(configuredKey);
    }
}
