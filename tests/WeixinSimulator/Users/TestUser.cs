using System.Buffers;
using System.Text.Json.Serialization;

namespace Weixin.Inbox.WeixinSimulator.Users;

/// <summary>A WeChat user the simulator can log in as.</summary>
public sealed record TestUser
{
    private static readonly SearchValues<char> OpenIdChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <summary>The user's openid for the simulated app (letters, digits, '_' and '-', at most 64).</summary>
    public string OpenId { get; init; } = "";

    /// <summary>The nickname shown on the authorize page and returned by sns/userinfo.</summary>
    public string Nickname { get; init; } = "";

    /// <summary>Avatar URL; default (null) is the generated <c>/sim/avatars/&lt;openid&gt;.svg</c>.</summary>
    public string? HeadImgUrl { get; init; }

    /// <summary>Optional unionid; when null the field is left out of WeChat answers, as WeChat does.</summary>
    public string? UnionId { get; init; }

    /// <summary>Configured sex (0 unknown, 1 male, 2 female). Not returned: WeChat answers 0 since 2021.</summary>
    public int Sex { get; init; }

    /// <summary>Configured province. Not returned: WeChat answers "" since 2021.</summary>
    public string Province { get; init; } = "";

    /// <summary>Configured city. Not returned: WeChat answers "" since 2021.</summary>
    public string City { get; init; } = "";

    /// <summary>Configured country. Not returned: WeChat answers "" since 2021.</summary>
    public string Country { get; init; } = "";

    /// <summary>
    /// When true, every web authorization by this user happens in 快照页模式 (snapshot mode): the code exchange answers
    /// <c>is_snapshotuser: 1</c> with a virtual openid. Default false.
    /// </summary>
    public bool Snapshot { get; init; }

    /// <summary>The avatar URL as a path or absolute URL (the generated SVG when none is set).</summary>
    [JsonIgnore]
    public string AvatarUrl => HeadImgUrl ?? $"/sim/avatars/{Uri.EscapeDataString(OpenId)}.svg";

    /// <summary>The avatar URL made absolute against the simulator's own address, as WeChat's are.</summary>
    public string AbsoluteAvatarUrl(HttpRequest request)
    {
        var url = AvatarUrl;
        return url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal)
            ? $"{request.Scheme}://{request.Host}{request.PathBase}{url}"
            : url;
    }

    /// <summary>Null when <paramref name="openId"/> is usable, else what is wrong with it.</summary>
    public static string? ValidateOpenId(string? openId)
    {
        if (string.IsNullOrEmpty(openId))
        {
            return "is required.";
        }

        if (openId.Length > 64 || openId.AsSpan().ContainsAnyExcept(OpenIdChars))
        {
            return "may only hold letters, digits, '_' and '-' (at most 64).";
        }

        return null;
    }

    public static bool IsAcceptableAvatarUrl(string url) =>
        (url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal))
        || url.StartsWith("data:image/", StringComparison.Ordinal)
        || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));
}
