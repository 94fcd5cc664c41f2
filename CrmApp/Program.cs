using Microsoft.AspNetCore.Identity;
using Serilog;
using Weixin.Inbox.CrmApp;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Devices;
using Weixin.Inbox.CrmApp.Notifications;
using Weixin.Inbox.CrmApp.Weixin;
using Weixin.Inbox.ServiceDefaults;

ServiceDefaultsExtensions.CreateBootstrapLogger();

try
{
    var builder = WebApplication.CreateBuilder(args);
    if (MigrateCommand.IsRequested(args))
    {
        return await MigrateCommand.RunAsync<CrmDbContext>(builder.Configuration, CrmDataExtensions.ConnectionName, CrmDbContext.Configure);
    }

    builder.AddServiceDefaults();
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
    builder.AddDevices();
    builder.AddCrmPages();
    builder.AddMessageHook();
    builder.AddNotifications();
    // Note: the key ring is read after Kestrel listens, not before (start-up within 2 s, issue 14; see KeyRingWarmUp).
    builder.LoadKeyRingAfterStart();

    var app = builder.Build();
    app.WarmKeyRingAfterStart();
    app.UseServiceDefaults();
    app.UseCrmPages();
    app.MapMessageHook();
    app.MapServiceDefaults();
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
