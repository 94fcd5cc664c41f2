using Serilog;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.PublicInbox;
using Weixin.Inbox.PublicInbox.Callbacks;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Health;
using Weixin.Inbox.PublicInbox.PollerApi;
using Weixin.Inbox.PublicInbox.Waiting;

Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();

try
{
    var builder = WebApplication.CreateBuilder(args);
    if (args is ["migrate", ..])
    {
        return await InboxDataExtensions.MigrateAsync(builder.Configuration);
    }

    builder.Services.AddSerilog((services, logger) => logger
        .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning) // Note: its request lines carry query strings (codes, tickets).
        .MinimumLevel.Override("Microsoft.EntityFrameworkCore", Serilog.Events.LogEventLevel.Warning)
        .ReadFrom.Configuration(builder.Configuration)
        .ReadFrom.Services(services)
        .Enrich.FromLogContext()
        .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}"));

    builder.AddInbox();
    builder.AddInboxData();

    var app = builder.Build();
    app.UseSerilogRequestLogging();
    app.UseStatusCodePages();
    app.UseSignedRequests();
    app.MapHealth();
    app.MapOAuthCallback();
    app.MapMessageCallback();
    app.MapWaiting();
    app.MapPollerApi();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "PublicInbox terminated unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
