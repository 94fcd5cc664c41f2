using Serilog;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.PublicInbox.Diagnostics;
using Weixin.Inbox.PublicInbox;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.CallbackIps;
using Weixin.Inbox.PublicInbox.Callbacks;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.DomainVerification;
using Weixin.Inbox.PublicInbox.Health;
using Weixin.Inbox.PublicInbox.PollerApi;
using Weixin.Inbox.PublicInbox.RateLimits;
using Weixin.Inbox.PublicInbox.Retention;
using Weixin.Inbox.PublicInbox.Waiting;
using Weixin.Inbox.ServiceDefaults;
using Weixin.Inbox.ServiceDefaults.ConfigCheck;

ServiceDefaultsExtensions.CreateBootstrapLogger();

try
{
    if (args is ["hash-password", ..])
    {
        return AdminPasswords.RunCommand(Console.In, Console.Out, Console.Error, interactive: !Console.IsInputRedirected);
    }

    var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args);
    if (MigrateCommand.IsRequested(args))
    {
        return await MigrateCommand.RunAsync<InboxDbContext>(builder.Configuration, InboxDataExtensions.ConnectionName, InboxDbContext.Configure);
    }

    builder.AddServiceDefaults();
    builder.CheckInboxSettings();

    builder.AddInbox();
    builder.AddInboxData();
    builder.AddInboxHealth();
    builder.AddAdmin();
    builder.AddRetention();
    builder.AddCallbackIps();
    builder.AddRateLimits();
    builder.AddDomainVerification();
    // Note: the key ring is read after Kestrel listens, not before (start-up within 2 s, issue 14; see KeyRingWarmUp).
    builder.LoadKeyRingAfterStart();

    var app = builder.Build();
    // Note: check-config ends here (0/1), and so does a start with bad settings (1): one line per problem, before anything listens.
    if (SettingsCheck.Run(app, args, "PublicInbox") is { } settingsExit)
    {
        return settingsExit;
    }

    app.WarmKeyRingAfterStart();
    app.UseTrustedProxies();
    // Note: only the poller (signed requests) may bring its correlation id; WeChat and browsers always get a new one.
    app.UseServiceDefaults(trustIncomingCorrelation: http => http.Request.Path.StartsWithSegments("/poller"));
    app.UseInboxMetrics();
    app.UseDatabaseOutageAnswers();
    app.UseStatusCodePages();
    app.UseSignedRequests();
    app.UseCallbackIpRestriction();
    app.UseAdmin();
    app.UseRateLimits();
    app.MapServiceDefaults();
    app.MapOAuthCallback();
    app.MapMessageCallback();
    app.MapWaiting();
    app.MapPollerApi();
    app.MapCallbackIps();
    app.MapAdmin();
    app.MapDomainVerification();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (SettingsCheck.Explain(ex) is { } settingsProblem)
{
    // Note: a value read while the services are registered (e.g. Retention:Enabled=yes) could not be converted.
    await Console.Error.WriteLineAsync(settingsProblem);
    return 1;
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
