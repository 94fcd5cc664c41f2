namespace Weixin.Inbox.Contracts.Gateway;

/// <summary>
/// Decides whether a URL may receive a browser (and a ticket): the gateway checks the LAN apps' return and error
/// URLs with it, the inbox every redirect it hands to a waiting browser.
/// </summary>
public static class ReturnUrlPolicy
{
    /// <summary>
    /// True when <paramref name="url"/> is an absolute http(s) URL without user info or fragment that starts
    /// with a prefix ending in '/', or equals a prefix exactly.
    /// </summary>
    public static bool IsAllowed(string? url, IReadOnlyList<string> prefixes)
    {
        if (string.IsNullOrEmpty(url) || url.Length > 2048
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return false;
        }

        // Note: a ticket appended after a '#' would land in the fragment; user info, backslashes, control
        // characters and encoded dots are how open-redirect checks get fooled, so none of them is accepted.
        if (uri.UserInfo.Length > 0 || url.Contains('#') || url.Contains('\\')
            || url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            || url.Contains("%2e", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Note: check the string as sent and as a browser resolves it ("/app/../admin" becomes "/admin").
        var resolved = uri.AbsoluteUri;
        foreach (var prefix in prefixes)
        {
            if (Matches(url, prefix) && (Matches(resolved, prefix) || resolved == prefix + "/"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Appends one query parameter to a URL that may already have a query.</summary>
    public static string AppendQuery(string url, string name, string value) =>
        url + (url.Contains('?') ? "&" : "?") + name + "=" + Uri.EscapeDataString(value);

    /// <summary>The error URL used when the application gives none: the return URL's origin + <c>/login</c>.</summary>
    public static string DefaultErrorUrlFor(string returnUrl) =>
        new Uri(returnUrl).GetLeftPart(UriPartial.Authority) + "/login";

    // Note: the prefix must end with '/' (or match exactly), else "http://127.0.0.1:5300" would admit
    // "http://127.0.0.1:5300.evil.com/".
    // A bare origin is read as the origin's root, which is just as safe.
    private static bool Matches(string url, string prefix)
    {
        if (!prefix.EndsWith('/') && Uri.TryCreate(prefix, UriKind.Absolute, out var uri)
            && string.Equals(prefix, uri.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal))
        {
            prefix += "/";
        }

        return string.Equals(url, prefix, StringComparison.Ordinal)
            || (prefix.EndsWith('/') && url.StartsWith(prefix, StringComparison.Ordinal));
    }
}
