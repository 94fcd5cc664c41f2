using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.IdentityProvider.Data;
using Weixin.Inbox.WeixinLogin.Devices;

namespace Weixin.Inbox.IdentityProvider.Devices;

/// <summary>
/// Owns <c>known_devices</c>: the browsers each WeChat user confirmed a login on with the two-digit number, so their next
/// phone login there goes straight in. The provider has no accounts: devices are known per openid. Only the SHA-256 of
/// the device id is stored, so a copy of the table cannot be turned back into cookies.
/// </summary>
/// <remarks>Note: CrmApp keeps the same per account (CrmApp/Devices/DeviceStore.cs); the two know their devices apart.</remarks>
public sealed class DeviceStore(IdpDbContext db, DeviceCookie cookie, TimeProvider time, ILogger<DeviceStore> logger)
{
    /// <summary>True when this browser carries a device id already known for <paramref name="openId"/>.</summary>
    public async Task<bool> IsKnownAsync(HttpContext http, string openId)
    {
        if (cookie.Read(http) is not { } deviceId)
        {
            return false;
        }

        var hash = Hash(deviceId);
        return await db.KnownDevices.AnyAsync(d => d.OpenId == openId && d.DeviceHash == hash, http.RequestAborted);
    }

    /// <summary>Remembers this browser for <paramref name="openId"/> (or refreshes its last use); sets the device cookie if needed.</summary>
    public async Task RememberAsync(HttpContext http, string openId)
    {
        var hash = Hash(cookie.GetOrCreate(http));
        var label = DeviceLabel.From(http.Request.Headers.UserAgent.ToString());
        var now = time.GetUtcNow().UtcDateTime;
        // Note: one statement, so two tabs finishing at once cannot both insert (the unique key decides).
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO known_devices (open_id, device_hash, label, created_at, last_seen_at)
            VALUES ({openId}, {hash}, {label}, {now}, {now})
            ON DUPLICATE KEY UPDATE last_seen_at = VALUES(last_seen_at), label = VALUES(label)
            """, http.RequestAborted);
        logger.LogInformation("Device {DeviceHash} remembered for WeChat user {OpenId}", hash[..12], openId);
    }

    /// <summary>What is stored of a device id: its SHA-256, lower-case hex.</summary>
    public static string Hash(string deviceId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deviceId)));
}
