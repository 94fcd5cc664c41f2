using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.Options;
using Weixin.Inbox.WeixinSimulator.Control;
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
        return builder;
    }

    /// <summary>The in-memory state of the simulated WeChat: users, grants, counters, injected faults.</summary>
    public static IServiceCollection AddSimulatorState(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<SimulatorOptions>, SimulatorOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<UserDirectory>();
        services.AddSingleton<GrantStore>();
        services.AddSingleton<SimulatorStats>();
        services.AddSingleton<FaultInjector>();
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
            // Note: WeChat answers nicknames as raw UTF-8, not \uXXXX escapes.
            o.SerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All));
        return services;
    }
}
