using Serilog;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.IntranetPoller.CallbackIps;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Menu;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.Push;
using Weixin.Inbox.IntranetPoller.Weixin;
using Weixin.Inbox.IntranetPoller;
using Weixin.Inbox.ServiceDefaults;
using Weixin.Inbox.ServiceDefaults.ConfigCheck;

ServiceDefaultsExtensions.CreateBootstrapLogger();

try
{
    if (args is [WeixinCryptCommand.Verb, ..])
    {
        // Note: the command's own arguments stay out of the configuration; only settings and environment are read.
        var configuration = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] }).Configuration;
        return WeixinCryptCommand.Run(args[1..], configuration, Console.Out, Console.Error, Console.In);
    }

    if (args is [MenuCommand.Verb, ..])
    {
        var configuration = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] }).Configuration;
        return await MenuCommand.RunAsync(args[1..], configuration, Console.Out, Console.Error);
    }

    var migrate = MigrateCommand.IsRequested(args);
    var builder = ServiceDefaultsExtensions.CreateServiceBuilder(migrate ? args[1..] : args);

    if (migrate)
    {
        return await MigrateCommand.RunAsync<GatewayDbContext>(builder.Configuration, GatewayDataExtensions.ConnectionName,
            (options, connectionString) => GatewayDbContext.Configure(options, connectionString));
    }

    builder.AddServiceDefaults();
    builder.CheckPollerSettings();
    builder.Services.AddSingleton(TimeProvider.System);

    builder.AddGatewayData();
    builder.AddWeixinApi();
    builder.AddOAuth();
    builder.AddMessages();
    builder.AddInboxPolling();
    builder.AddCallbackIps();
    builder.AddGateway();
    builder.AddPush();

    var app = builder.Build();
    // Note: check-config ends here (0/1), and so does a start with bad settings (1): one line per problem, before anything listens.
    if (SettingsCheck.Run(app, args, "IntranetPoller") is { } settingsExit)
    {
        return settingsExit;
    }

    app.UseServiceDefaults();
    app.UsePushMetrics();
    app.UseStatusCodePages();
    app.UseSignedRequests();

    app.MapGateway();
    app.MapMessagesApi();
    app.MapServiceDefaults();

    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (SettingsCheck.Explain(ex) is { } settingsProblem)
{
    // Note: a value read while the services are registered (e.g. Poller:Enabled=yes) could not be converted.
    await Console.Error.WriteLineAsync(settingsProblem);
    return 1;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "IntranetPoller terminated unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>The IntranetPoller host (public for <c>WebApplicationFactory&lt;Program&gt;</c>).</summary>
public partial class Program;
