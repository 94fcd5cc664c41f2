using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// Loads the data-protection key ring (<see cref="DataProtectionKeys"/>) just after the service has started listening,
/// instead of before, as the framework's own preloading hosted service does.
/// </summary>
/// <remarks>
/// Note: with the keys in the database, the framework's preload is the process's first EF Core query (model, query
/// compilation, the first connection; on a fresh database a new key): measured (Bench footprint, dotnet-trace) as most
/// of the inbox's start-up before Kestrel listened. Issue 14 wants every service healthy within 2 s of its start, so
/// the load moves off the start path. Nothing else changes: a request that needs a key before the warm-up has finished
/// loads the ring itself (the framework's key ring provider serialises the two), and <c>/readyz</c> still says ready
/// only once the database answers.
/// </remarks>
public static class KeyRingWarmUp
{
    private const string PreloadTypeName = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    /// <summary>Removes the framework's preload (call after the data protection is added).</summary>
    /// <remarks>
    /// Note: call it last, just before <c>Build()</c>, not from <see cref="DataProtectionKeys.AddDataProtectionKeys{TContext}"/>:
    /// antiforgery, cookie authentication and Razor Pages each call <c>AddDataProtection()</c> again, which adds the
    /// preload back (tried: moved into AddDataProtectionKeys, one start of the inbox was live after 2.0 s instead of ~0.9 s).
    /// </remarks>
    public static WebApplicationBuilder LoadKeyRingAfterStart(this WebApplicationBuilder builder)
    {
        // Note: matched by name (the type is internal); if a framework update renames it, the preload simply stays.
        foreach (var preload in builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.FullName == PreloadTypeName).ToList())
        {
            builder.Services.Remove(preload);
        }

        return builder;
    }

    /// <summary>Loads the key ring in the background once the application has started.</summary>
    public static WebApplication WarmKeyRingAfterStart(this WebApplication app)
    {
        // Note: on a thread of its own (LongRunning): the load is synchronous (the framework reads keys with blocking I/O),
        // and on a 2-core box a blocked pool thread would hold up the first requests, /readyz among them.
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Factory.StartNew(() =>
        {
            try
            {
                // Note: protecting a payload is the public way to make the provider read (or first create) the current key.
                app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("key-ring-warm-up").Protect([]);
            }
            catch (Exception ex)
            {
                // Note: as the framework's preload: a database that is down now is no reason to stop; requests retry.
                app.Logger.LogWarning(ex, "Could not load the data-protection key ring at start-up; the first request that needs it will try again");
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        return app;
    }
}
