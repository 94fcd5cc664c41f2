using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Bench;

/// <summary>
/// Footprint benchmark (issue 14 item 5): for each service (PublicInbox, IntranetPoller, CrmApp, IdentityProvider) the time from its
/// process start to <c>/healthz</c> (live) and <c>/readyz</c> (ready: the database answered), its resident memory
/// (VmRSS) after start-up settled, and its peak resident memory (VmHWM) while a load runs: a burst of OAuth callbacks
/// (announced states, as WeChat's redirect brings them) and safe-mode messages through the simulator, the poller and
/// the CRM's hook. Alongside, the floor: an empty ASP.NET Core app (this assembly, <c>footprint empty-host</c>) started
/// the same way with the services' runtime settings (the inbox's runtimeconfig.json), so the figures read as ratios.
/// The services run as the demo runs them (<c>dotnet &lt;dll&gt;</c>, the build of WX_BUILD_CONFIGURATION, default
/// Debug like ./run.sh), on throwaway databases of the real MariaDB.
/// Usage: Bench footprint [starts=3] [settleSeconds=5] [callbacks=3000] [messages=300] [concurrency=64] [env=NAME=VALUE]…
/// Prints one summary line starting <c>footprint:</c>.
/// </summary>
public static class FootprintBench
{
    private const string EmptyHostVerb = "empty-host";

    private static Dictionary<string, string> EnvironmentOverrides = [];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is [EmptyHostVerb, ..])
        {
            return await RunEmptyHostAsync(args[1..]);
        }

        // Note: env=NAME=VALUE (repeatable) is added to the environment of every process this bench starts itself (the
        // restarted services and the floor), so a runtime knob (e.g. env=DOTNET_GCgen0size=0x200000) is measured without a rebuild.
        EnvironmentOverrides = args.Where(a => a.StartsWith("env=", StringComparison.Ordinal)).Select(a => a["env=".Length..].Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);
        args = [.. args.Where(a => !a.StartsWith("env=", StringComparison.Ordinal))];
        var starts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var settle = TimeSpan.FromSeconds(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 5);
        var callbacks = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3000;
        var messages = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 300;
        var concurrency = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 64;

        Console.WriteLine("Starting simulator, inbox, poller and CrmApp on MariaDB…");
        await using var system = await CrmSystem.StartAsync("bench-footprint");
        // Note: the identity provider (issue 16) is a service of the demo too; it needs a login system of its own (its
        // own gateway client), so it comes with a second inbox, poller and simulator that are not measured. It gets no
        // load: its peak is the one of its start.
        Console.WriteLine("Starting the identity provider beside its own inbox and poller…");
        await using var provider = await IdpSystem.StartAsync("bench-footprint-idp");
        var login = system.Login;
        var services = new (string Name, ServiceProcess Process)[]
        {
            ("inbox", login.Inbox), ("poller", login.Poller), ("crm", system.Crm), ("provider", provider.Idp),
        };

        var launched = new List<Launched>();
        try
        {
            // Note: the floor first, with the services' own runtime settings (GC mode, tiering), so a setting that
            // shrinks every .NET process shows in the floor too and the ratio stays about our code.
            var floor = await MeasureFloorAsync(starts, settle);
            launched.Add(floor.Process);

            // Note: each service is stopped and started again by this process, one at a time, with exactly the command
            // line, environment and folder the test harness gave it, so the clock starts at the process's own start.
            var results = new List<ServiceFigures>();
            foreach (var (name, process) in services)
            {
                var template = ProcessTemplate.Of(process);
                var times = new List<(double Live, double Ready, double Cpu)>();
                Launched? last = null;
                for (var i = 0; i < starts; i++)
                {
                    if (last is not null)
                    {
                        await last.DisposeAsync();
                        launched.Remove(last);
                    }
                    else
                    {
                        await process.KillAsync();
                    }

                    last = await Launched.StartAsync(name, template, process.BaseAddress);
                    launched.Add(last);
                    times.Add((last.LiveMs, last.ReadyMs, last.ReadyCpuMs));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} start {i + 1}: live {last.LiveMs:F0} ms, ready {last.ReadyMs:F0} ms, cpu until ready {last.ReadyCpuMs:F0} ms"));
                }

                results.Add(new ServiceFigures(name, last!, Median(times.Select(t => t.Live)), Median(times.Select(t => t.Ready)), Median(times.Select(t => t.Cpu))));
            }

            // Note: settled = idle for a while after the last start (background jobs ran their first rounds).
            await Task.Delay(settle);
            foreach (var r in results)
            {
                r.SettledMb = Memory.ResidentMb(r.Process.Id);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Name}: settled {r.SettledMb:F0} MB (anonymous {Memory.Read(r.Process.Id, "RssAnon:"):F0} MB, files {Memory.Read(r.Process.Id, "RssFile:"):F0} MB, threads {Memory.Threads(r.Process.Id)})"));
                Console.WriteLine($"{r.Name}: resident by mapping {Memory.Breakdown(r.Process.Id)}");
            }

            var loadWatch = Stopwatch.StartNew();
            var load = await RunLoadAsync(system, callbacks, messages, concurrency);
            loadWatch.Stop();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load: {load} in {loadWatch.Elapsed.TotalSeconds:F1} s"));
            foreach (var r in results)
            {
                r.PeakMb = Memory.PeakResidentMb(r.Process.Id);
                r.AfterLoadMb = Memory.ResidentMb(r.Process.Id);
            }

            var gc = RuntimeSettings.Describe(TestEnvironment.ServiceDll("PublicInbox"));
            var parts = results.Select(r => string.Create(CultureInfo.InvariantCulture,
                $"{r.Name}_live={r.LiveMs:F0}ms {r.Name}_ready={r.ReadyMs:F0}ms {r.Name}_ready_cpu={r.ReadyCpuMs:F0}ms {r.Name}_rss={r.SettledMb:F0}MB {r.Name}_peak={r.PeakMb:F0}MB {r.Name}_after_load={r.AfterLoadMb:F0}MB {r.Name}_x_floor={r.SettledMb / floor.SettledMb:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"footprint: config={TestEnvironment.Configuration} runtime=[{gc}]{string.Concat(EnvironmentOverrides.Select(e => $" env={e.Key}={e.Value}"))} starts={starts} {string.Join(' ', parts)} floor_live={floor.LiveMs:F0}ms floor_rss={floor.SettledMb:F0}MB load=[{load}]"));
            var ok = results.All(r => r.ReadyMs <= 2000 && r.SettledMb <= 150 && r.PeakMb <= 250);
            Console.WriteLine(ok ? "footprint: within issue 14's targets (ready ≤ 2 s, settled ≤ 150 MB, peak ≤ 250 MB)" : "footprint: NOT within issue 14's targets (ready ≤ 2 s, settled ≤ 150 MB, peak ≤ 250 MB)");
            return 0;
        }
        finally
        {
            foreach (var process in launched)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<(Launched Process, double LiveMs, double SettledMb)> MeasureFloorAsync(int starts, TimeSpan settle)
    {
        var runtimeConfig = RuntimeSettings.FloorRuntimeConfig(TestEnvironment.ServiceDll("PublicInbox"));
        var bench = typeof(FootprintBench).Assembly.Location;
        var port = TestEnvironment.FreePort();
        var template = new ProcessTemplate(
            ["exec", "--runtimeconfig", runtimeConfig, bench, "footprint", EmptyHostVerb, "--urls", $"http://127.0.0.1:{port}"],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["DOTNET_NOLOGO"] = "1",
                ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
                ["HOME"] = Environment.GetEnvironmentVariable("HOME") ?? "/tmp",
            },
            Path.GetDirectoryName(bench)!);
        var lives = new List<double>();
        Launched? last = null;
        for (var i = 0; i < starts; i++)
        {
            if (last is not null)
            {
                await last.DisposeAsync();
            }

            last = await Launched.StartAsync("floor", template, new Uri($"http://127.0.0.1:{port}"));
            lives.Add(last.LiveMs);
        }

        await Task.Delay(settle);
        var rss = Memory.ResidentMb(last!.Id);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"floor (empty ASP.NET Core app): live {Median(lives):F0} ms, settled {rss:F0} MB (anonymous {Memory.Read(last.Id, "RssAnon:"):F0} MB, files {Memory.Read(last.Id, "RssFile:"):F0} MB, threads {Memory.Threads(last.Id)})"));
        return (last, Median(lives), rss);
    }

    /// <summary>The floor: an ASP.NET Core app built as the services build theirs, with only the two probes.</summary>
    private static async Task<int> RunEmptyHostAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () => Results.Text("ok"));
        await app.RunAsync();
        return 0;
    }

    /// <summary>A burst of announced OAuth callbacks, then safe-mode messages from distinct followers, both at <paramref name="concurrency"/>.</summary>
    private static async Task<string> RunLoadAsync(CrmSystem system, int callbacks, int messages, int concurrency)
    {
        var login = system.Login;
        using var poller = SignedClients.Poller(login.PollerKey, login.Inbox.BaseAddress, maxConnections: 32);
        var states = Enumerable.Range(0, callbacks).Select(_ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(21))[..42] + "A").ToArray();
        await Parallel.ForEachAsync(states, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (state, _) =>
            await StateAnnouncements.AnnounceAsync(poller, state));

        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = concurrency })
        {
            BaseAddress = login.Inbox.BaseAddress,
        };
        var stored = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(states.Select((s, i) => (s, i)), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (x, ct) =>
        {
            using var response = await http.GetAsync($"/wx/oauth/callback?code=CODE{x.i}&state={x.s}", ct);
            if ((int)response.StatusCode / 100 == 3)
            {
                Interlocked.Increment(ref stored);
            }
        });
        var callbackSeconds = watch.Elapsed.TotalSeconds;

        var followers = Math.Min(concurrency, Math.Max(1, messages));
        var users = new string[followers];
        for (var i = 0; i < followers; i++)
        {
            users[i] = await login.AddWeixinUserAsync($"占用{i}");
            await login.SendAsUserAsync(users[i], "subscribe");
        }

        var next = -1;
        var passive = 0;
        watch.Restart();
        await Task.WhenAll(users.Select(async user =>
        {
            while (Interlocked.Increment(ref next) is var n && n < messages)
            {
                var delivery = await login.SendAsUserAsync(user, "text", $"客户 张 #{n}");
                if (delivery.Via == "passive")
                {
                    Interlocked.Increment(ref passive);
                }
            }
        }));
        return string.Create(CultureInfo.InvariantCulture,
            $"callbacks={callbacks} stored={stored} callback_rate={callbacks / callbackSeconds:F0}/s messages={messages} passive={passive} message_rate={messages / watch.Elapsed.TotalSeconds:F1}/s concurrency={concurrency}");
    }

    private sealed class ServiceFigures(string name, Launched process, double liveMs, double readyMs, double readyCpuMs)
    {
        public string Name { get; } = name;
        public Launched Process { get; } = process;
        public double LiveMs { get; } = liveMs;
        public double ReadyMs { get; } = readyMs;
        public double ReadyCpuMs { get; } = readyCpuMs;
        public double SettledMb { get; set; }
        public double PeakMb { get; set; }
        public double AfterLoadMb { get; set; }
    }

    /// <summary>How a running service was started: its command line, environment and folder (from /proc).</summary>
    private sealed record ProcessTemplate(IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory)
    {
        public static ProcessTemplate Of(ServiceProcess service)
        {
            // Note: ServiceProcess starts `dotnet <dll> --urls http://127.0.0.1:<port>`; its port names it among the processes.
            var urls = service.BaseAddress.ToString().TrimEnd('/');
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }

                string[] cmdline;
                try
                {
                    cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                }
                catch (IOException)
                {
                    continue;
                }
                catch (UnauthorizedAccessException)
                {
                    continue;
                }

                if (cmdline.Length < 4 || Path.GetFileName(cmdline[0]) != "dotnet" || !cmdline.SkipWhile(a => a != "--urls").Skip(1).Take(1).Contains(urls))
                {
                    continue;
                }

                var environment = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries)
                    .Select(e => e.Split('=', 2)).Where(e => e.Length == 2).GroupBy(e => e[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
                var cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).ResolveLinkTarget(returnFinalTarget: true)?.FullName
                    ?? throw new InvalidOperationException($"no cwd for {pid}");
                return new ProcessTemplate(cmdline[1..], environment, cwd);
            }

            throw new InvalidOperationException($"{service.Name}: no dotnet process with --urls {urls}");
        }
    }

    /// <summary>A service process this bench started; its output goes to a log next to the harness's.</summary>
    private sealed class Launched : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StreamWriter _log;

        private Launched(Process process, StreamWriter log)
        {
            _process = process;
            _log = log;
        }

        public int Id => _process.Id;
        public double LiveMs { get; private set; }
        public double ReadyMs { get; private set; }

        /// <summary>CPU time the process had used when it first answered /readyz: unlike wall time, it barely moves when other work shares the box.</summary>
        public double ReadyCpuMs { get; private set; }

        public static async Task<Launched> StartAsync(string name, ProcessTemplate template, Uri baseAddress)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = template.WorkingDirectory,
            };
            foreach (var arg in template.Arguments)
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment.Clear();
            foreach (var (key, value) in template.Environment.Concat(EnvironmentOverrides))
            {
                start.Environment[key] = value;
            }

            var log = new StreamWriter(Path.Combine(TestEnvironment.ResultsDirectory, $"bench-footprint-{name}-restarted.log"), append: true) { AutoFlush = true };
            var watch = Stopwatch.StartNew();
            var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
            var launched = new Launched(process, log);
            process.OutputDataReceived += (_, e) => launched.Write(e.Data);
            process.ErrorDataReceived += (_, e) => launched.Write(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            // Note: polled every 10 ms with fresh connections refused quickly, so the figure is the service's, not the poll's.
            using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                launched.LiveMs = await WaitOkAsync(http, "/healthz", process, watch, name);
                launched.ReadyMs = await WaitOkAsync(http, "/readyz", process, watch, name);
                launched.ReadyCpuMs = Memory.CpuMs(process.Id);
            }
            catch
            {
                // Note: the caller never got hold of it, so a failed start must not leave the service running.
                await launched.DisposeAsync();
                throw;
            }

            return launched;
        }

        private static async Task<double> WaitOkAsync(HttpClient http, string path, Process process, Stopwatch watch, string name)
        {
            while (watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{name} exited with {process.ExitCode} during start; see test-results/artifacts/bench-footprint-{name}-restarted.log");
                }

                try
                {
                    using var response = await http.GetAsync(path);
                    if (response.IsSuccessStatusCode)
                    {
                        return watch.Elapsed.TotalMilliseconds;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                    // Note: a starting service on a busy box may take longer than the client's timeout to answer.
                }

                await Task.Delay(10);
            }

            throw new TimeoutException($"{name} did not answer {path} within 60 s");
        }

        private void Write(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_log)
            {
                _log.WriteLine(line);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            lock (_log)
            {
                _log.Dispose();
            }
        }
    }

    /// <summary>Resident memory of a process from /proc/&lt;pid&gt;/status (VmRSS now, VmHWM its peak since start).</summary>
    private static class Memory
    {
        public static double ResidentMb(int pid) => Read(pid, "VmRSS:");

        public static double PeakResidentMb(int pid) => Read(pid, "VmHWM:");

        /// <summary>User and system CPU time of the process so far (/proc/&lt;pid&gt;/stat, in clock ticks of 10 ms).</summary>
        public static double CpuMs(int pid)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
        }

        /// <summary>
        /// Resident MB (and proportional MB, shared pages split among the processes mapping them) per kind of mapping, from
        /// /proc/&lt;pid&gt;/smaps: where a settled service's memory is, so a setting is aimed at the part it can move.
        /// </summary>
        public static string Breakdown(int pid)
        {
            var rss = new Dictionary<string, (long Rss, long Pss)>();
            var kind = "anon";
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
            {
                // Note: a mapping's header starts with its address range ("7f…-7f… r-xp …"); its fields with "Name:".
                if (line.Split(' ', 2)[0] is { Length: > 0 } first && !first.EndsWith(':'))
                {
                    var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                    kind = KindOf(parts.Length > 5 ? parts[5].Trim() : "");
                    continue;
                }

                if (line.StartsWith("Rss:", StringComparison.Ordinal) || line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    var (r, p) = rss.GetValueOrDefault(kind);
                    rss[kind] = line[0] == 'R' ? (r + kb, p) : (r, p + kb);
                }
            }

            return string.Join(' ', rss.OrderByDescending(k => k.Value.Rss).Select(k =>
                string.Create(CultureInfo.InvariantCulture, $"{k.Key}={k.Value.Rss / 1024.0:F1}/{k.Value.Pss / 1024.0:F1}MB")));
        }

        private static string KindOf(string path) => path switch
        {
            "" => "anon",
            "[heap]" => "malloc_heap",
            _ when path.Contains("doublemapper", StringComparison.Ordinal) => "jit_and_loader_heaps",
            _ when path.Contains("libicu", StringComparison.Ordinal) => "icu",
            _ when path.Contains("/shared/Microsoft.", StringComparison.Ordinal) && path.EndsWith(".dll", StringComparison.Ordinal) => "framework_dll",
            _ when path.Contains("/shared/Microsoft.", StringComparison.Ordinal) => "runtime_so",
            _ when path.EndsWith(".dll", StringComparison.Ordinal) => "app_and_package_dll",
            _ when path.Contains(".so", StringComparison.Ordinal) => "other_so",
            _ when path.StartsWith('[') => "other_special",
            _ => "other_file",
        };

        /// <summary>The process's thread count (each has its stack; a server GC heap has its GC thread).</summary>
        public static int Threads(int pid) => (int)Read(pid, "Threads:", 1);

        public static double Read(int pid, string field, double divisor = 1024.0)
        {
            var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
            var kb = long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return kb / divisor;
        }
    }

    /// <summary>The runtime settings (runtimeconfig.json's configProperties) the services run with.</summary>
    private static class RuntimeSettings
    {
        private static readonly string[] Shown =
        [
            "System.GC.Server", "System.GC.Concurrent", "System.GC.ConserveMemory", "System.GC.DynamicAdaptationMode",
            "System.GC.HeapHardLimit", "System.GC.HeapCount", "System.Runtime.TieredPGO", "System.Runtime.TieredCompilation",
            "System.Runtime.TieredCompilation.QuickJit", "System.Runtime.TieredCompilation.QuickJitForLoops", "System.Globalization.Invariant",
        ];

        public static string Describe(string serviceDll)
        {
            var properties = Properties(serviceDll);
            return string.Join(' ', Shown.Where(k => properties.ContainsKey(k))
                .Select(k => $"{k.Replace("System.", "", StringComparison.Ordinal)}={properties[k]!.ToJsonString()}"));
        }

        /// <summary>
        /// This assembly's runtimeconfig.json with <paramref name="serviceDll"/>'s configProperties, written to a temporary
        /// file, so the empty host runs under the same GC and JIT settings as the service.
        /// </summary>
        public static string FloorRuntimeConfig(string serviceDll)
        {
            var bench = typeof(FootprintBench).Assembly.Location;
            var own = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(bench, ".runtimeconfig.json")))!.AsObject();
            var options = own["runtimeOptions"]!.AsObject();
            options["configProperties"] = Properties(serviceDll).DeepClone();
            var path = Path.Combine(Path.GetTempPath(), $"bench-footprint-floor-{Environment.ProcessId}.runtimeconfig.json");
            File.WriteAllText(path, own.ToJsonString());
            return path;
        }

        private static JsonObject Properties(string serviceDll)
        {
            var config = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(serviceDll, ".runtimeconfig.json")))!;
            return config["runtimeOptions"]?["configProperties"]?.AsObject() ?? [];
        }
    }
}
