using Serilog;
using Weixin.Inbox.IdentityProvider;
using Weixin.Inbox.IdentityProvider.Data;
using Weixin.Inbox.IdentityProvider.Keys;
using Weixin.Inbox.IdentityProvider.Oidc;
using Weixin.Inbox.IdentityProvider.Weixin;
using Weixin.Inbox.ServiceDefaults;
using Weixin.Inbox.ServiceDefaults.ConfigCheck;

// Note: a project of its own, not part of IntranetPoller: the poller holds the AppSecret and is a background worker; the
// provider is a user-facing web app with cookies and pages. As one more client of the signed gateway API (client id
// `idp`, its own key) it gets exactly the login the CRM gets, number confirmation included, and never the AppSecret.
ServiceDefaultsExtensions.CreateBootstrapLogger();

try
{
    var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args);
    if (MigrateCommand.IsRequested(args))
    {
        return await MigrateCommand.RunAsync<IdpDbContext>(builder.Configuration, IdpDataExtensions.ConnectionName, IdpDbContext.Configure);
    }

    // Note: OpenIddict logs every request and response at Information (with its own masking); ours log what matters.
    // Lowest precedence, so Serilog__MinimumLevel__Override__OpenIddict can still turn it up.
    builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
    {
        InitialData = [KeyValuePair.Create("Serilog:MinimumLevel:Override:OpenIddict", (string?)"Warning")],
    });
    builder.AddServiceDefaults();
    builder.Services.AddSingleton(TimeProvider.System);
    builder.AddIdpData();
    builder.AddOidcCore();

    if (OidcClientCommand.IsRequested(args))
    {
        await using var host = builder.Build();
        return await OidcClientCommand.RunAsync(host.Services, args);
    }

    if (TokenPruneCommand.IsRequested(args))
    {
        await using var host = builder.Build();
        return await TokenPruneCommand.RunAsync(host.Services, args);
    }

    builder.CheckIdpSettings();
    builder.AddWeixinLogin();
    builder.AddIdpPages();
    builder.AddOidcServer();

    if (SigningKeyCommand.IsRequested(args))
    {
        await using var host = builder.Build();
        return await SigningKeyCommand.RunAsync(host.Services, args);
    }

    // Note: the key ring is read after Kestrel listens, not before (start-up within 2 s, issue 14; see KeyRingWarmUp).
    builder.LoadKeyRingAfterStart();

    var app = builder.Build();
    if (SettingsCheck.Run(app, args, "IdentityProvider") is { } settingsExit)
    {
        return settingsExit;
    }

    app.WarmKeyRingAfterStart();
    app.UseServiceDefaults();
    app.UseIdpPages();
    // Note: the probes are answered right after routing. Otherwise OpenIddict's authentication handler, which runs for
    // every request, builds its options (the server keys, read from MySQL) at the first one: liveness must not wait for
    // that (the first /healthz took 0.8 s while the clients were being written) nor depend on the database.
    app.MapServiceDefaults(shortCircuitProbes: true);
    await app.RunAsync();
    // Note: 1 when a background start-up step stopped the provider (ClientSync could not write the clients).
    return Environment.ExitCode;
}
catch (Exception ex) when (SettingsCheck.Explain(ex) is { } settingsProblem)
{
    await Console.Error.WriteLineAsync(settingsProblem);
    return 1;
}
catch (OperationCanceledException) when (Environment.ExitCode != 0)
{
    // Note: a background start-up step stopped the host while it was still starting and has logged why (ClientSync).
    return Environment.ExitCode;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "IdentityProvider terminated unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
