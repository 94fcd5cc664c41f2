using System.Security.Cryptography;
using System.Text;

namespace Weixin.Inbox.Contracts.Diagnostics;

/// <summary>
/// The form in which secret ids (login ids, which are bearer references to a login) appear in logs: a short,
/// non-reversible tag, logged as <see cref="PropertyName"/>. The same id always gives the same tag, so ops can still
/// follow one login through every service's log (as well as by the correlation id on each line).
/// </summary>
public static class LogRef
{
    /// <summary>The log property name used for the tag.</summary>
    public const string PropertyName = "LoginRef";

    /// <summary>
    /// First 8 hex characters of SHA-256 of <paramref name="id"/> ("-" for none). Note: 32 bits are enough to tell
    /// logins apart in a log and far too few to find the 256-bit id from.
    /// </summary>
    public static string Of(string? id) =>
        string.IsNullOrEmpty(id) ? "-" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..8];
}
