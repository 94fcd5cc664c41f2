namespace Weixin.Inbox.WeixinSimulator.OAuth;

internal static class OAuthEndpoints
{
    /// <summary>Both halves of WeChat's web authorization: the browser pages and the server API.</summary>
    public static IEndpointRouteBuilder MapOAuth(this IEndpointRouteBuilder app) =>
        app.MapAuthorize().MapSns();
}
