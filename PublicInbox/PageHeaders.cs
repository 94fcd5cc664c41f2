using System.Security.Cryptography;

namespace Weixin.Inbox.PublicInbox;

/// <summary>
/// The headers of every HTML answer of the inbox (the waiting pages and /admin): a strict nonce-based
/// Content-Security-Policy, no caching, no referrer, no sniffing. One place, so the two kinds of page cannot drift apart.
/// </summary>
public static class PageHeaders
{
    private static readonly object NonceKey = new();

    /// <summary>Sets the headers and returns this response's nonce (also kept for <see cref="Nonce"/>).</summary>
    public static string Apply(HttpContext http)
    {
        // Note: hex, not base64: a '+' would reach the attribute as &#x2B; (harmless to browsers, confusing to read).
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        http.Items[NonceKey] = nonce;
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        // Note: inline style and script run only with this response's nonce: an encoding slip that lets markup in still
        // cannot run anything.
        headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        return nonce;
    }

    /// <summary>The nonce of this response's CSP, for the page's <c>&lt;style&gt;</c> and <c>&lt;script&gt;</c> elements.</summary>
    public static string Nonce(HttpContext http) =>
        http.Items[NonceKey] as string ?? throw new InvalidOperationException("The page headers were not set for this response.");
}
