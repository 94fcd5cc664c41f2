using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Weixin.Inbox.IdentityProvider.Devices;

/// <summary>
/// The long-lived cookie that names this browser (<c>idp_device</c>; a copy of CrmApp's DeviceCookie under its own name and purpose): a random device id, data-protected (encrypted and
/// signed, so it can be neither read nor made up), HttpOnly, SameSite=Lax, Secure on https, 400 days (the longest
/// Chrome keeps a cookie). It is set the first time a device has to be remembered.
/// </summary>
public sealed class DeviceCookie(IDataProtectionProvider protection)
{
    public const string Name = "idp_device";

    /// <summary>How long the browser keeps the cookie.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(400);

    private static readonly object NewIdKey = new();

    private readonly IDataProtector _protector = protection.CreateProtector("IdentityProvider.Devices.Cookie.v1");

    /// <summary>This browser's device id, or null when it has none (or one that was not made here).</summary>
    public string? Read(HttpContext http)
    {
        if (http.Items[NewIdKey] is string fresh)
        {
            return fresh;
        }

        if (!http.Request.Cookies.TryGetValue(Name, out var value) || string.IsNullOrEmpty(value) || value.Length > 512)
        {
            return null;
        }

        try
        {
            var id = _protector.Unprotect(value);
            return id.Length == 43 ? id : null;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return null;
        }
    }

    /// <summary>This browser's device id; a new one (and its cookie on the response) when it has none.</summary>
    public string GetOrCreate(HttpContext http)
    {
        if (Read(http) is { } id)
        {
            return id;
        }

        // Note: 32 random bytes (43 base64url characters): a device id cannot be guessed.
        id = Base64Url(RandomNumberGenerator.GetBytes(32));
        http.Items[NewIdKey] = id;
        http.Response.Cookies.Append(Name, _protector.Protect(id), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            Path = "/",
            MaxAge = Lifetime,
            IsEssential = true,
        });
        return id;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
