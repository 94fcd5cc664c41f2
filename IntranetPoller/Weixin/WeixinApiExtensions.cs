using Microsoft.Extensions.Options;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>Registration of the WeChat API client.</summary>
public static class WeixinApiExtensions
{
    /// <summary>
    /// Adds <see cref="WeixinOptions"/>, <see cref="WeixinOAuthClient"/>, <see cref="WeixinServiceClient"/>,
    /// <see cref="AccessTokenProvider"/>, <see cref="AuthorizeUrlBuilder"/> and <see cref="WeixinAlerts"/>.
    /// </summary>
    public static IHostApplicationBuilder AddWeixinApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WeixinOptions>()
            .BindConfiguration(WeixinOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddHttpClient<WeixinOAuthClient>(ConfigureApiClient)
            // Note: HttpClient's own request logging would print URLs carrying the AppSecret, codes and access tokens.
            .RemoveAllLoggers();
        builder.Services.AddHttpClient<WeixinServiceClient>(ConfigureApiClient).RemoveAllLoggers();
        builder.Services.AddScoped<AccessTokenProvider>();

        builder.Services.AddSingleton<AuthorizeUrlBuilder>();
        // Note: one per process, so every client's calls report to the alerts the poll job sends with its claims.
        builder.Services.AddSingleton<WeixinAlerts>();
        return builder;
    }

    private static void ConfigureApiClient(IServiceProvider services, HttpClient http)
    {
        // Note: trailing '/' and relative paths, so an ApiBaseUrl with a path (a proxy) keeps it.
        http.BaseAddress = new Uri(services.GetRequiredService<IOptions<WeixinOptions>>().Value.ApiBaseUrl.AbsoluteUri.TrimEnd('/') + "/");
        http.Timeout = TimeSpan.FromSeconds(10);
    }
}
