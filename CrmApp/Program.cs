using Microsoft.AspNetCore.Identity;
using Serilog;
using Weixin.Inbox.CrmApp;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Devices;
using Weixin.Inbox.CrmApp.Notifications;
using Weixin.Inbox.CrmApp.Weixin;
using Weixin.Inbox.ServiceDefaults;
using Weixin.Inbox.ServiceDefaults.ConfigCheck;

ServiceDefaultsExtensions.CreateBootstrapLogger();

try
{
    var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args);
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
        return await SeedCommand.RunAsync(seeder.Services, builder.Configuration, Log.Logger, args);
    }

    builder.CheckCrmSettings();
    builder.AddAccounts();
    builder.AddWeixinLogin();
    builder.AddDevices();
    builder.AddCrmPages();
    builder.AddMessageHook();
    builder.AddNotifications();
    // Note: the key ring is read after Kestrel listens, not before (start-up within 2 s, issue 14; see KeyRingWarmUp).
    builder.LoadKeyRingAfterStart();

    var app = builder.Build();
    // Note: check-config ends here (0/1), and so does a start with bad settings (1): one line per problem, before anything listens.
    if (SettingsCheck.Run(app, args, "CrmApp") is { } settingsExit)
    {
        return settingsExit;
    }

    app.WarmKeyRingAfterStart();
    app.UseServiceDefaults();
    app.UseCrmPages();
    app.MapMessageHook();
    app.MapServiceDefaults();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (SettingsCheck.Explain(ex) is { } settingsProblem)
{
    // Note: a value read while the services are registered could not be converted.
    await Console.Error.WriteLineAsync(settingsProblem);
    return 1;
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
