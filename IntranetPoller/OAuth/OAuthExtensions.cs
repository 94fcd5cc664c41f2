namespace Weixin.Inbox.IntranetPoller.OAuth;

/// <summary>Registration of the OAuth login processing.</summary>
public static class OAuthExtensions
{
    /// <summary>Adds <see cref="OAuthOptions"/> and <see cref="OAuthItemHandler"/>.</summary>
    public static IHostApplicationBuilder AddOAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OAuthOptions>()
            .BindConfiguration(OAuthOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<OAuthItemHandler>();
        return builder;
    }
}
