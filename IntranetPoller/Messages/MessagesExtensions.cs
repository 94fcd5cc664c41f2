using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Hooks;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Messages.Handlers;
using Weixin.Inbox.IntranetPoller.ScanLogin;
using Weixin.Inbox.IntranetPoller.Users;
using Weixin.Inbox.IntranetPoller.Weixin;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.IntranetPoller.Messages;

/// <summary>Registration of the message pipeline.</summary>
public static class MessagesExtensions
{
    /// <summary>
    /// Adds <see cref="MessagesOptions"/>, <see cref="CrmHookOptions"/>, the handlers, the signed CRM hook client and,
    /// while polling is on, the job that retries customer-service sends.
    /// </summary>
    public static IHostApplicationBuilder AddMessages(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<MessagesOptions>()
            .BindConfiguration(MessagesOptions.Section)
            // Note: unset means "on when the account's Token is configured", so a login-only gateway starts without it.
            .PostConfigure<IConfiguration>((messages, configuration) => messages.Enabled ??= HasToken(configuration))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MessagesOptions>, MessagesSettingsCheck>();
        services.AddOptions<MessageContentLogging>().BindConfiguration(MessageContentLogging.Section);
        services.AddOptions<CrmHookOptions>()
            .BindConfiguration(CrmHookOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CrmHookOptions>, HookKeyCheck>();
        // Note: the hook's own keys, not a gateway client's: the CRM's client key may be rotated (or leak) without the hook changing.
        services.AddOptions<SigningOptions>(CrmHookOptions.SigningName)
            .Configure<IOptions<CrmHookOptions>>((signing, hook) => signing.Keys = [.. hook.Value.SigningKeys]);

        services.AddSingleton<MessageEnvelope>();
        services.AddScoped<MessageStore>();
        services.AddUserDirectory();
        services.AddScoped<MessageItemHandler>();
        services.AddKeyedScoped<IItemHandler>(InboxItemKinds.Message, static (services, _) => services.GetRequiredService<MessageItemHandler>());
        services.AddKeyedScoped<IItemHandler>(InboxItemKinds.Event, static (services, _) => services.GetRequiredService<MessageItemHandler>());
        services.AddScoped<ReplyDelivery>();
        services.AddScoped<CustomerServiceSender>();

        // Note: the pipeline takes the first handler that accepts a message, in this order.
        services.AddScoped<MessagePipeline>();
        // Note: scan logins first: a subscribe with qrscene_ is a scan (it still records the follow), and a
        // two-digit text may be a login confirmation (otherwise it goes on to the CRM hook).
        services.AddScanLogins();
        services.AddScoped<IMessageHandler, QrScanHandler>();
        services.AddScoped<IMessageHandler, ScanConfirmHandler>();
        services.AddScoped<IMessageHandler, SubscribeHandler>();
        services.AddScoped<IMessageHandler, UnsubscribeHandler>();
        services.AddScoped<IMessageHandler, CrmHookHandler>();
        services.AddScoped<IMessageHandler, OtherEventsHandler>();
        services.AddScoped<IMessageHandler, DefaultReplyHandler>();

        // Note: no resilience handler: a repeated hook call could run a CRM command twice, and the user's answer
        // cannot wait for retries anyway (the busy reply covers a failure).
        services.AddRefitGeneratedClient<IMessageHookApi>(_ => RefitJson.Settings)
            .ConfigureHttpClient((provider, http) =>
            {
                if (provider.GetRequiredService<IOptions<CrmHookOptions>>().Value.BaseUri is { } baseUri)
                {
                    http.BaseAddress = baseUri;
                }

                // Note: the handler's own timeout (Messages:HookTimeout) decides; this only backs it up.
                http.Timeout = provider.GetRequiredService<IOptions<MessagesOptions>>().Value.HookTimeout + TimeSpan.FromSeconds(5);
            })
            .AddHttpMessageHandler(() => new CorrelationHandler())
            .AddHttpMessageHandler(provider => new SigningHandler(
                provider.GetRequiredService<IOptionsMonitor<SigningOptions>>(), CrmHookOptions.SigningName, provider.GetRequiredService<TimeProvider>()));

        if (builder.Configuration.GetValue(PollerOptions.Section + ":" + nameof(PollerOptions.Enabled), true))
        {
            services.AddIntervalJob<SendPendingRepliesJob, MessagesOptions>(SendPendingRepliesJob.Key, messages => messages.SendRetryInterval);
        }

        return builder;
    }

    // Note: read from configuration rather than WeixinOptions, so a bad Weixin setting is reported once, by its own section.
    private static bool HasToken(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration[$"{WeixinOptions.Section}:{nameof(WeixinOptions.Token)}"]);

    /// <summary>
    /// The hook's key is no gateway client's key (checked at start-up): with a shared key, the CRM (or whoever holds its
    /// client key) could forge hook calls, and rotating the client key would break the hook.
    /// </summary>
    private sealed class HookKeyCheck(IOptionsMonitor<SigningClientsOptions> clients) : IValidateOptions<CrmHookOptions>
    {
        public ValidateOptionsResult Validate(string? name, CrmHookOptions options)
        {
            var clientKeys = clients.Get(GatewayApi.SigningName).Clients.SelectMany(c => c.Keys).ToHashSet(StringComparer.Ordinal);
            return options.SigningKeys.Any(clientKeys.Contains)
                ? ValidateOptionsResult.Fail("CrmHook:SigningKeys: 不能与网关客户端的密钥相同，消息回调要有自己的密钥 / A key of CrmHook:SigningKeys is also a gateway client's key (GatewaySigning:Clients:N:Keys); the hook needs a key of its own.")
                : ValidateOptionsResult.Success;
        }
    }

    /// <summary>Settings of other sections that messages need (checked at start-up).</summary>
    private sealed class MessagesSettingsCheck(IConfiguration configuration) : IValidateOptions<MessagesOptions>
    {
        public ValidateOptionsResult Validate(string? name, MessagesOptions options) =>
            options.IsEnabled && !HasToken(configuration)
                ? ValidateOptionsResult.Fail("Weixin:Token: 启用消息时必须设置（与公众号服务器配置相同），或设 Messages:Enabled=false / Messages are enabled (Messages:Enabled=true) but Weixin:Token is not configured; set it as in the account's server settings, or set Messages:Enabled=false.")
                : ValidateOptionsResult.Success;
    }
}
