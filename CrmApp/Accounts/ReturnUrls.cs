using Microsoft.AspNetCore.Mvc;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>Where to go after signing in: only paths of this site, never another host (no open redirect).</summary>
public static class ReturnUrls
{
    public const string Home = "/";

    private static readonly Uri Origin = new("http://local.invalid");

    /// <summary>
    /// The URL when it is a path of this site (<c>/customers?q=张</c>), percent-encoded so it can go into a
    /// <c>Location</c> header; else <see cref="Home"/>.
    /// </summary>
    public static string LocalOrHome(IUrlHelper url, string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 1024 || !url.IsLocalUrl(returnUrl) || returnUrl.StartsWith('~'))
        {
            return Home;
        }

        var resolved = new Uri(Origin, returnUrl);
        return resolved.Host == Origin.Host ? resolved.PathAndQuery : Home;
    }
}
