using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Weixin.Inbox.WeixinSimulator.Users;

/// <summary>Generated avatars: a coloured square with the first character of the nickname.</summary>
internal static class AvatarApi
{
    private static readonly string[] Palette = ["#07c160", "#10aeff", "#fa9d3b", "#fa5151", "#6467f0", "#1485ee", "#91d300", "#ec5f9d"];

    public static IEndpointRouteBuilder MapAvatars(this IEndpointRouteBuilder app)
    {
        app.MapGet("/sim/avatars/{openId}.svg", GetAvatar);
        return app;
    }

    private static Results<ContentHttpResult, NotFound> GetAvatar(string openId, UserDirectory users, HttpResponse response)
    {
        if (users.Find(openId) is not { } user)
        {
            return TypedResults.NotFound();
        }

        // Note: users can be replaced through the control API, so the picture may change.
        response.Headers.CacheControl = "no-cache";
        return TypedResults.Content(Render(user), "image/svg+xml; charset=utf-8");
    }

    private static string Render(TestUser user)
    {
        var first = user.Nickname.EnumerateRunes().FirstOrDefault();
        var letter = first.Value == 0 ? "?" : first.ToString();
        var color = Palette[StableHash(user.OpenId) % (uint)Palette.Length];
        return string.Create(CultureInfo.InvariantCulture,
            $"""<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" viewBox="0 0 132 132"><rect width="132" height="132" rx="12" fill="{color}"/><text x="66" y="66" dy=".35em" text-anchor="middle" font-family="PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif" font-size="64" fill="#ffffff">{WebUtility.HtmlEncode(letter)}</text></svg>""");
    }

    // Note: string.GetHashCode is randomised per process; the colour should not change between runs.
    private static uint StableHash(string value)
    {
        uint hash = 2166136261;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }
}
