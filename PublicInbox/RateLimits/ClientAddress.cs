using System.Net;

namespace Weixin.Inbox.PublicInbox.RateLimits;

/// <summary>
/// The client's address as a per-address limit counts it. The address is the one <c>UseTrustedProxies</c> resolved
/// (X-Forwarded-For believed only from <c>Inbox:TrustedProxies</c>), so nobody can choose their own.
/// </summary>
public static class ClientAddress
{
    /// <summary>An IPv4 address as is (IPv4-mapped IPv6 as IPv4); an IPv6 address as its /64; <c>unknown</c> without one.</summary>
    public static string Key(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address))
        {
            return address.ToString();
        }

        // Note: one subscriber gets a whole /64; counting single IPv6 addresses would let one client rotate through
        // 2^64 of them and start every count afresh.
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>The key of this request's client.</summary>
    public static string Key(HttpContext http) => Key(http.Connection.RemoteIpAddress);
}
