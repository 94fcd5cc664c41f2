using Microsoft.Extensions.Options;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>Registration of the WeChat API client.</summary>
public static class WeixinApiExtensions
{
    /// <summary>Adds <see cref="WeixinOptions"/>, <see cref="WeixinOAuthClient"/> and <see cref="AuthorizeUrlBuilder"/>.</summary>
    public static IHostApplicationBuilder AddWeixinApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WeixinOptions>()
            .BindConfiguration(WeixinOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddHttpClient<WeixinOAuthClient>((services, http) =>
            {
                // Note: trailing '/' and relative paths, so an ApiBaseUrl with a path (a proxy) keeps it.
                http.BaseAddress = new Uri(services.GetRequiredService<IOptions<WeixinOptions>>().Value.ApiBaseUrl.AbsoluteUri.TrimEnd('/') + "/");
                http.Timeout = TimeSpan.FromSeconds(10);
            })
            // Note: HttpClient's own request logging would print URLs carrying the AppSecret, codes and access tokens.
            .RemoveAllLoggers();

        builder.Services.AddSingleton<AuthorizeUrlBuilder>();
        return builder;
    }
}
