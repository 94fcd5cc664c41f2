using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.Options;
using Weixin.Inbox.WeixinSimulator.Api;
using Weixin.Inbox.WeixinSimulator.Control;
using Weixin.Inbox.WeixinSimulator.Messaging;
using Weixin.Inbox.WeixinSimulator.OAuth;
using Weixin.Inbox.WeixinSimulator.Users;

namespace Weixin.Inbox.WeixinSimulator;

internal static class SimulatorSetup
{
    /// <summary>One console line per log entry; framework noise kept at Warning.</summary>
    public static WebApplicationBuilder AddSimulatorLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Note: the hosting diagnostics log full request URLs, which here carry secret, code and
        // access_token in the query string; keep them quiet even when no appsettings.json is found
        // (the demo starts the dll from the repository root, so the content root is not bin/).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        // Note: MessageDelivery logs each callback attempt itself; the HttpClient factory's lines only repeat it.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        return builder;
    }

    /// <summary>The in-memory state of the simulated WeChat: users, grants, API tokens, conversations, counters, injected faults.</summary>
    public static IServiceCollection AddSimulatorState(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<SimulatorOptions>, SimulatorOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<UserDirectory>();
        services.AddSingleton<GrantStore>();
        services.AddSingleton<SimulatorStats>();
        services.AddSingleton<FaultInjector>();
        services.AddSingleton<ApiTokenStore>();
        services.AddSingleton<AccountTypeSetting>();
        services.AddSingleton<TemplateMessages>();
        services.AddSingleton<MenuStore>();
        services.AddSingleton<QrCodeStore>();
        services.AddSingleton<Conversations>();
        services.AddSingleton<MessageDelivery>();
        services.AddHttpClient(MessageDelivery.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            // Note: WeChat connects straight to the account's server: no proxy, no redirects; the per-attempt
            // timeout (CallbackTimeout) is applied by MessageDelivery.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
            // Note: WeChat answers nicknames as raw UTF-8, not \uXXXX escapes.
            o.SerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All));
        return services;
    }
}
