using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// Gives memory back to the box: one aggressive, compacting garbage collection a few seconds after the service has
/// started, and another whenever the service has been quiet for a while and its working set has grown since the last one.
/// </summary>
/// <remarks>
/// Note: issue 14 wants each service at most 150 MB resident once started on a small box that runs all of them
/// (measured with <c>Bench footprint … env=Runtime__CompactAfterStartSeconds=-1 env=Runtime__CompactWhenIdleEverySeconds=0</c>
/// as the baseline in the same run). Start-up leaves garbage that no later allocation rate would collect soon
/// (configuration, EF Core's model building, Razor and route tables, the first queries, the key ring). Afterwards an idle
/// service still allocates (long polls, Quartz jobs, health checks), and the workstation GC keeps what that touched
/// committed: whole 4 MB regions for gen0 up to its budget (16 MB on this VM, sized by the L3 cache) plus free regions kept
/// for the next allocations. In the demo the inbox went from 150 MB after the start-up collection to 178 MB two minutes
/// later with nothing to do. Measured and not enough on their own (2026-12-03, the demo's inbox over two idle minutes):
/// <c>GCgen0MaxBudget</c> 4 MB (+20 MB instead of +22), with <c>GCRegionSize</c> 1 MB as well (+22 MB): the GC's
/// settings bound what a busy service holds, not what a quiet one gives back.
/// <see cref="GCCollectionMode.Aggressive"/> returns the freed regions to the OS (a plain full GC keeps them committed).
/// A collection of the idle heap (5-6 MB live) blocks for a few milliseconds; it is never done while the service allocates
/// faster than <see cref="QuietBytesPerSecond"/>, so a burst of messages is not paused by it.
/// Each collection is followed by glibc's <c>malloc_trim</c> (<see cref="TrimNativeKey"/>): in a service's first minute
/// the JIT's tier-1 compilations free native memory that glibc keeps (the start-up collection finds ~0 MB to trim, the
/// idle ones after it 1-9 MB each). Measured 2026-12-03,
/// <c>Bench footprint 1 40 500 50 16 env=Runtime__TrimNativeHeap=false|true</c>, two alternating pairs: settled
/// inbox/poller/CRM 161/152/164 and 160/153/164 MB without, 154/139/153 and 155/143/155 MB with the trim.
/// <c>MALLOC_ARENA_MAX=2</c> on top (fewer arenas) made no further difference (153/144/158, 152/144/152 MB).
/// </remarks>
public static class HeapCompaction
{
    /// <summary>Seconds after start (default 3) for the first collection; negative for never.</summary>
    public const string DelayKey = "Runtime:CompactAfterStartSeconds";

    /// <summary>Seconds between idle checks (default 5); 0 or negative for never.</summary>
    /// <remarks>Note: 5, not 10: between two checks a quiet service refills pages (gen0, the JIT's tier-1 work); at 10 s the
    /// CRM settled at 150/150 MB, at 5 s at 146/143 MB (Bench footprint 1 60 500 50 16, two alternating pairs, 2026-12-03).
    /// A check is two counters read; a collection of the quiet heap blocks 9-20 ms.</remarks>
    public const string IdleCheckKey = "Runtime:CompactWhenIdleEverySeconds";

    /// <summary>Whether each collection also hands glibc's free native memory back (default true; Linux with glibc only).</summary>
    public const string TrimNativeKey = "Runtime:TrimNativeHeap";

    // Note: less is not worth a blocking collection (one gen0 region is 4 MB).
    private const long GrowthWorthReturning = 4L << 20;

    // Note: the demo's inbox, poller and CRM allocate 0.1-0.3 MB/s with nothing to do, and tens of MB/s under
    // messages-load; below 2 MB/s the service is quiet.
    private const double QuietBytesPerSecond = 2 << 20;

    /// <summary>Schedules the start-up collection and the idle checks once the application has started.</summary>
    public static WebApplication CompactHeapAfterStartAndWhenIdle(this WebApplication app)
    {
        var delay = app.Configuration.GetValue(DelayKey, 3.0);
        var every = app.Configuration.GetValue(IdleCheckKey, 5.0);
        var trimNative = app.Configuration.GetValue(TrimNativeKey, true) && MallocTrimExists();
        if (delay < 0 && every <= 0)
        {
            return app;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HeapCompaction).FullName!);
        var stopping = app.Lifetime.ApplicationStopping;
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
        {
            try
            {
                var baseline = Environment.WorkingSet;
                if (delay >= 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(delay), stopping);
                    baseline = Compact(trimNative, out var report);
                    logger.LogInformation("Start-up garbage collected: working set {Before} → {After} MB ({Native} MB of it free native memory), managed heap {Heap} MB, {Milliseconds:F0} ms",
                        report.Before, report.After, report.Native, report.Heap, report.Milliseconds);
                }

                if (every > 0)
                {
                    await CompactWhenIdleAsync(logger, TimeSpan.FromSeconds(every), baseline, trimNative, stopping);
                }
            }
            catch (OperationCanceledException)
            {
                // Note: the service is stopping; nothing to give back.
            }
        }));
        return app;
    }

    private static async Task CompactWhenIdleAsync(ILogger logger, TimeSpan every, long baseline, bool trimNative, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(every);
        var allocated = GC.GetTotalAllocatedBytes();
        var since = Stopwatch.GetTimestamp();
        while (await timer.WaitForNextTickAsync(stopping))
        {
            var allocatedNow = GC.GetTotalAllocatedBytes();
            var rate = (allocatedNow - allocated) / Math.Max(Stopwatch.GetElapsedTime(since).TotalSeconds, 0.001);
            (allocated, since) = (allocatedNow, Stopwatch.GetTimestamp());
            if (rate < QuietBytesPerSecond && Environment.WorkingSet - baseline >= GrowthWorthReturning)
            {
                // Note: Debug, not Information: in a quiet demo this happens about once a minute per service.
                baseline = Compact(trimNative, out var report);
                logger.LogDebug("Idle garbage collected: working set {Before} → {After} MB ({Native} MB of it free native memory), managed heap {Heap} MB, {Milliseconds:F0} ms",
                    report.Before, report.After, report.Native, report.Heap, report.Milliseconds);
            }
        }
    }

    /// <summary>
    /// One blocking, compacting, decommitting collection, then (with <paramref name="trimNative"/>) glibc's free native
    /// memory handed back; returns the working set after both. The report's Native is what the trim alone gave back (MB).
    /// </summary>
    private static long Compact(bool trimNative, out (long Before, long After, long Native, long Heap, double Milliseconds) report)
    {
        var before = Environment.WorkingSet;
        var started = Stopwatch.GetTimestamp();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var collected = Environment.WorkingSet;
        if (trimNative)
        {
            _ = MallocTrim(0);
        }

        var after = Environment.WorkingSet;
        report = (before >> 20, after >> 20, Math.Max(collected - after, 0) >> 20, GC.GetTotalMemory(false) >> 20, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return after;
    }

    // Note: the runtime's native allocations (the JIT's scratch memory, type loading, the host) go through glibc's malloc,
    // which keeps what was freed inside its arenas (on this 2-core VM up to 16 of them, one per thread that met
    // contention) rather than returning it. Once a service is up, the JIT recompiles its hot methods at tier 1 in the
    // background and frees its working memory after each one. malloc_trim(0) returns the free pages of every arena to
    // the OS (glibc >= 2.8 also releases free pages in the middle of an arena, not only at its top). It only gives back what is free; a later
    // malloc simply takes fresh pages again.
    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    // Note: decided once, before the first collection: only Linux with glibc has malloc_trim (musl and others do not).
    private static bool MallocTrimExists()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc))
        {
            return false;
        }

        return NativeLibrary.TryGetExport(libc, "malloc_trim", out _);
    }
}
