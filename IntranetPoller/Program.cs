using Serilog;
using Serilog.Events;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.Health;
using Weixin.Inbox.IntranetPoller.Jobs;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.Weixin;

const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

Log.Logger = new LoggerConfiguration()
    .WriteTo.Console(outputTemplate: ConsoleTemplate)
    .CreateBootstrapLogger();

try
{
    if (args is [WeixinCryptCommand.Verb, ..])
    {
        // Note: the command's own arguments stay out of the configuration; only settings and environment are read.
        var configuration = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] }).Configuration;
        return WeixinCryptCommand.Run(args[1..], configuration, Console.Out, Console.Error, Console.In);
    }

    var migrate = args is [MigrateCommand.Verb, ..];
    var builder = WebApplication.CreateBuilder(migrate ? args[1..] : args);

    if (migrate)
    {
        using var migrationLog = new Serilog.Extensions.Logging.SerilogLoggerFactory(Log.Logger);
        return await MigrateCommand.RunAsync(builder.Configuration, migrationLog.CreateLogger("Migrate"));
    }

    // Note: quiet defaults here (the dll is started from the repository root, so no appsettings.json is read),
    // adjustable through Serilog:MinimumLevel:* settings. The hosted logger is kept apart from the static
    // bootstrap logger, so several hosts in one test process do not fight over Log.Logger.
    builder.Services.AddSerilog((services, logger) => logger
        .MinimumLevel.Information()
        .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
        .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
        .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
        .MinimumLevel.Override("Polly", LogEventLevel.Fatal) // Note: every failed attempt would warn; InboxReachability logs outages once.
        .MinimumLevel.Override("Quartz", LogEventLevel.Warning)
        .ReadFrom.Configuration(builder.Configuration)
        .ReadFrom.Services(services)
        .Enrich.FromLogContext()
        .WriteTo.Console(outputTemplate: ConsoleTemplate), preserveStaticLogger: true);
    builder.Services.AddSingleton(TimeProvider.System);

    builder.AddGatewayData();
    builder.AddWeixinApi();
    builder.AddOAuth();
    builder.AddMessages();
    builder.AddInboxPolling();
    builder.AddGateway();

    var app = builder.Build();

    app.UseSerilogRequestLogging(options => options.Logger = app.Services.GetService<Serilog.ILogger>());
    app.UseStatusCodePages();
    app.UseSignedRequests();

    app.MapGateway();
    app.MapHealth();

    await app.RunAsync();
    return 0;
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
