using Microsoft.AspNetCore.Identity;
using Serilog;
using Weixin.Inbox.CrmApp;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Weixin;

Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();

try
{
    var builder = WebApplication.CreateBuilder(args);
    if (args is [CrmDataExtensions.MigrateVerb, ..])
    {
        return await CrmDataExtensions.MigrateAsync(builder.Configuration, Log.Logger);
    }

    builder.Services.AddSerilog((services, logger) => logger
        .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning) // Note: its request lines carry query strings (tickets).
        .MinimumLevel.Override("Microsoft.EntityFrameworkCore", Serilog.Events.LogEventLevel.Warning)
        .MinimumLevel.Override("System.Net.Http.HttpClient", Serilog.Events.LogEventLevel.Warning) // Note: its lines carry the gateway login id in the redeem URL.
        .ReadFrom.Configuration(builder.Configuration)
        .ReadFrom.Services(services)
        .Enrich.FromLogContext()
        .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}"));
    builder.Services.AddSingleton(TimeProvider.System);
    builder.AddCrmData();

    if (args is [SeedCommand.Verb, ..])
    {
        builder.Services.AddSingleton<IPasswordHasher<Account>, PasswordHasher<Account>>();
        await using var seeder = builder.Build();
        return await SeedCommand.RunAsync(seeder.Services, builder.Configuration, Log.Logger);
    }

    builder.AddAccounts();
    builder.AddWeixinLogin();
    builder.AddCrmPages();
    builder.AddMessageHook();

    var app = builder.Build();
    app.UseCrmPages();
    app.MapMessageHook();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "CrmApp terminated unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
