using System.Globalization;

namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>What we keep and show of a WeChat profile.</summary>
public static class WeixinProfile
{
    /// <summary>The nickname cut to what the database keeps.</summary>
    public static string Nickname(string? nickname) => Cut(string.IsNullOrWhiteSpace(nickname) ? "微信用户" : nickname.Trim(), 64);

    /// <summary>The avatar URL when it is an absolute http(s) URL that fits; else null (the page shows an initial).</summary>
    public static string? AvatarUrl(string? url) =>
        url is { Length: <= 512 } && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? url
            : null;

    /// <summary>The first character of a name, for an avatar placeholder.</summary>
    public static string Initial(string? name)
    {
        var trimmed = name?.Trim();
        return string.IsNullOrEmpty(trimmed) ? "微" : trimmed[..StringInfo.GetNextTextElementLength(trimmed)];
    }

    /// <summary>At most <paramref name="max"/> UTF-16 units, without splitting an emoji or a combined character.</summary>
    public static string Cut(string value, int max)
    {
        if (value.Length <= max)
        {
            return value;
        }

        var end = 0;
        foreach (var start in StringInfo.ParseCombiningCharacters(value))
        {
            if (start > max)
            {
                break;
            }

            end = start;
        }

        return value[..end];
    }
}
