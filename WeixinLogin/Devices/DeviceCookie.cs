using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Weixin.Inbox.WeixinLogin.Devices;

/// <summary>
/// The long-lived cookie that names this browser (<c>crm_device</c> in CrmApp, <c>idp_device</c> in IdentityProvider:
/// each app names its own, see <see cref="DeviceCookieExtensions.AddDeviceCookie"/>): a random device id, data-protected (encrypted and
/// signed, so it can be neither read nor made up), HttpOnly, SameSite=Lax, Secure on https, 400 days (the longest
/// Chrome keeps a cookie). It is set the first time a device has to be remembered.
/// </summary>
/// <param name="protection">The app's key ring.</param>
/// <param name="name">The cookie's name.</param>
/// <param name="purpose">The data-protection purpose: an app's cookie is worthless to another app sharing the key ring.</param>
public sealed class DeviceCookie(IDataProtectionProvider protection, string name, string purpose)
{
    /// <summary>The cookie's name in this app.</summary>
    public string Name { get; } = name;

    /// <summary>How long the browser keeps the cookie.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(400);

    private static readonly object NewIdKey = new();

    private readonly IDataProtector _protector = protection.CreateProtector(purpose);

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

/// <summary>Registration of an app's <see cref="DeviceCookie"/>.</summary>
public static class DeviceCookieExtensions
{
    /// <summary>Registers the app's device cookie under its own <paramref name="name"/> and data-protection <paramref name="purpose"/>.</summary>
    public static IServiceCollection AddDeviceCookie(this IServiceCollection services, string name, string purpose) =>
        services.AddSingleton(sp => new DeviceCookie(sp.GetRequiredService<IDataProtectionProvider>(), name, purpose));
}
