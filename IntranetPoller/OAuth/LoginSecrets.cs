using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Weixin.Inbox.IntranetPoller.OAuth;

/// <summary>Random login ids, states and tickets, and the one-way form in which tickets are stored.</summary>
public static class LoginSecrets
{
    /// <summary>256 random bits as base64url (43 characters): for login ids and tickets.</summary>
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The characters of a state: WeChat accepts only a-zA-Z0-9 (at most 128 bytes) in <c>state</c>.</summary>
    public const string StateAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Length of a state: 43 characters of 62 carry 256 random bits, and fit the 43-character column.</summary>
    public const int StateLength = 43;

    /// <summary>
    /// A login's OAuth <c>state</c>: 43 random letters and digits (256 bits). Base64url's '-' and '_' are not allowed:
    /// WeChat's authorize page documents state as "a-zA-Z0-9的参数值，最多128字节"
    /// (https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).
    /// </summary>
    public static string NewState() => RandomNumberGenerator.GetString(StateAlphabet, StateLength);

    /// <summary>True when <paramref name="state"/> has the shape of a state we issue (only then is it looked up).</summary>
    public static bool IsStateShaped(string? state) =>
        state is { Length: StateLength } && state.All(char.IsAsciiLetterOrDigit);

    /// <summary>Lower-case hex SHA-256 of a ticket; only this is stored, so a database leak yields no usable ticket.</summary>
    public static string HashTicket(string ticket) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ticket)));

    /// <summary>Compares a presented ticket with a stored hash in constant time.</summary>
    public static bool TicketMatches(string ticket, string? storedHash)
    {
        if (string.IsNullOrEmpty(storedHash) || storedHash.Length != SHA256.HashSizeInBytes * 2)
        {
            return false;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(ticket));
        // Note: fixed-time comparison, so response timing does not tell an attacker probing redeem how many
        // leading bytes of a guessed ticket's hash matched the stored one.
        return CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(storedHash));
    }

    /// <summary>
    /// How a login id appears in the gateway's logs (<c>{LoginRef}</c>): a short one-way tag. Note: the id is what
    /// the browser and the CRM hold to poll and redeem a login, so it is never logged itself.
    /// </summary>
    public static string LogRef(string? id) => global::Weixin.Inbox.Contracts.Diagnostics.LogRef.Of(id);
}
