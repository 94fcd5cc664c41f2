using System.Security.Cryptography;
using System.Text;

namespace Weixin.Inbox.Contracts.Inbox;

/// <summary>
/// The poller announces each OAuth <c>state</c> it issues, before the authorize URL leaves the gateway; the inbox then
/// stores <c>/wx/oauth/callback</c> only for an announced, unused, unexpired state. Only the state's SHA-256 travels,
/// so the inbox's database never holds a state that could be sent to WeChat.
/// </summary>
/// <param name="StateSha256">Lower-case hex SHA-256 of the state's ASCII characters (<see cref="OAuthStateHash.Compute"/>): 64 characters.</param>
/// <param name="ExpiresAt">When the state stops being accepted (the gateway's login expiry); at most a day ahead.</param>
public sealed record AnnounceStateRequest(string StateSha256, DateTimeOffset ExpiresAt);

/// <summary>The inbox stored the announcement (repeating the same announcement is harmless).</summary>
public sealed record AnnounceStateResponse(string StateSha256, DateTimeOffset ExpiresAt);

/// <summary>How a state is hashed for <see cref="AnnounceStateRequest"/>: the same on both sides.</summary>
public static class OAuthStateHash
{
    /// <summary>Length of the hex hash.</summary>
    public const int HexLength = 64;

    /// <summary>Lower-case hex SHA-256 of <paramref name="state"/> (UTF-8; states are ASCII letters and digits).</summary>
    public static string Compute(string state) => Convert.ToHexStringLower(Bytes(state));

    /// <summary>The raw 32 bytes of the hash.</summary>
    public static byte[] Bytes(string state) => SHA256.HashData(Encoding.UTF8.GetBytes(state));

    /// <summary>The 32 bytes of a hex hash as announced, or null when it is not 64 hex digits.</summary>
    public static byte[]? Parse(string? hex)
    {
        if (hex is not { Length: HexLength } || !hex.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        return Convert.FromHexString(hex);
    }
}
