using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Weixin.Inbox.PublicInbox.Waiting;

/// <summary>
/// The per-item cookie that ties a waiting item to the browser that brought the OAuth callback.
/// Only its SHA-256 is stored, so a database reader cannot watch someone else's login.
/// </summary>
public static class WaitCookie
{
    public static string Name(long itemId) => $"wx_wait_{itemId}";

    public static string NewValue() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public static void Append(HttpContext http, long itemId, string value) =>
        http.Response.Cookies.Append(Name(itemId), value, new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            Path = $"/wx/wait/{itemId}",
            MaxAge = TimeSpan.FromMinutes(30),
            IsEssential = true,
        });

    /// <summary>True when the request carries the cookie whose hash is stored on the item.</summary>
    public static bool Matches(HttpContext http, long itemId, string? storedHash)
    {
        if (storedHash is null || !http.Request.Cookies.TryGetValue(Name(itemId), out var value) || string.IsNullOrEmpty(value))
        {
            return false;
        }

        // Note: fixed-time, so nobody can find a valid cookie for someone else's item by timing guesses.
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(value)), Encoding.ASCII.GetBytes(storedHash));
    }
}
