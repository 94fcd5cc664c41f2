using System.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// One aggressive, compacting garbage collection a few seconds after the service has started: start-up leaves behind
/// garbage that no later allocation rate would collect soon (configuration, EF Core's model building, Razor and route
/// tables, the first queries, the key ring), and the workstation GC keeps that memory committed until it next collects.
/// </summary>
/// <remarks>
/// Note: issue 14 wants each service at most 150 MB resident once started on a small box that runs all of them;
/// measured with <c>Bench footprint … env=Runtime__CompactAfterStartSeconds=-1</c> as the baseline in the same run.
/// <see cref="GCCollectionMode.Aggressive"/> also returns the freed segments to the OS (a plain full GC keeps them
/// committed for the next allocations). It runs once, on a pool thread, while the service is idle: one blocking
/// collection of a heap of a few tens of MB, a few milliseconds. <c>Runtime:CompactAfterStartSeconds</c> &lt; 0 turns it off.
/// </remarks>
public static class StartupCompaction
{
    /// <summary>The configuration key: seconds after start (default 3), negative for never.</summary>
    public const string DelayKey = "Runtime:CompactAfterStartSeconds";

    /// <summary>Schedules the collection for <see cref="DelayKey"/> seconds after the application has started.</summary>
    public static WebApplication CompactHeapAfterStart(this WebApplication app)
    {
        var seconds = app.Configuration.GetValue(DelayKey, 3.0);
        if (seconds < 0)
        {
            return app;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StartupCompaction).FullName!);
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(seconds), app.Lifetime.ApplicationStopping);
                var before = Environment.WorkingSet;
                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                logger.LogInformation("Start-up garbage collected: working set {Before} → {After} MB, managed heap {Heap} MB",
                    before >> 20, Environment.WorkingSet >> 20, GC.GetTotalMemory(false) >> 20);
            }
            catch (OperationCanceledException)
            {
                // Note: stopped before the delay was up; nothing to do.
            }
        }));
        return app;
    }
}
