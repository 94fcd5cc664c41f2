using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Weixin.Inbox.IntranetPoller.OAuth;

/// <summary>Random login ids, states and tickets, and the one-way form in which tickets are stored.</summary>
public static class LoginSecrets
{
    /// <summary>256 random bits as base64url (43 characters): for login ids, states and tickets.</summary>
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

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
}
