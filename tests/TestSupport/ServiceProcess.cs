using System.Diagnostics;

namespace Weixin.Inbox.Testing;

/// <summary>One of our services as a real process on 127.0.0.1, its output kept in a log file.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _logPath;
    private Process? _process;

    /// <param name="dll">The assembly to run; default null: <paramref name="project"/>'s build output
    /// (<see cref="TestEnvironment.ServiceDll"/>). The production tests pass a published one (<c>dist/&lt;S&gt;/&lt;S&gt;.dll</c>).</param>
    public ServiceProcess(string name, string project, int port, IReadOnlyDictionary<string, string> environment, string logPrefix, string? dll = null)
    {
        Name = name;
        Port = port;
        _dll = dll ?? TestEnvironment.ServiceDll(project);
        _logPath = Path.Combine(TestEnvironment.ResultsDirectory, $"{logPrefix}-{name}.log");
        JsonLogPath = Path.Combine(TestEnvironment.ResultsDirectory, $"{logPrefix}-{name}.json");
        // Note: every service also writes its structured log (one JSON event per line, Logging:JsonFile), so tests
        // can follow a correlation id through the processes.
        _environment = environment.ContainsKey("Logging__JsonFile")
            ? environment
            : new Dictionary<string, string>(environment) { ["Logging__JsonFile"] = JsonLogPath };
    }

    public string Name { get; }
    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    public string LogPath => _logPath;

    /// <summary>
    /// The text log of this start only: the log file is appended to across starts and test runs, each start behind a
    /// <c>===== &lt;time&gt; start</c> line, so a test looking for what this process wrote reads from the last one.
    /// </summary>
    public async Task<string> ReadLogOfThisStartAsync()
    {
        string log;
        await using (var stream = new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
        {
            log = await reader.ReadToEndAsync();
        }

        return log[Math.Max(0, log.LastIndexOf("===== ", StringComparison.Ordinal))..];
    }

    /// <summary>Waits until this start's text log contains <paramref name="text"/>; that log, or null after <paramref name="timeout"/>.</summary>
    public async Task<string?> WaitForLogOfThisStartAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            var log = await ReadLogOfThisStartAsync();
            if (log.Contains(text, StringComparison.Ordinal))
            {
                return log;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        return null;
    }

    /// <summary>The service's structured log: compact JSON, one event per line (Serilog's CLEF).</summary>
    public string JsonLogPath { get; }
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Runs <c>dotnet &lt;dll&gt; args…</c> to completion (e.g. <c>migrate</c>); throws with the output on failure.</summary>
    public static Task RunToCompletionAsync(string project, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunDllToCompletionAsync(TestEnvironment.ServiceDll(project), environment, args);

    /// <summary>Runs <c>dotnet &lt;dll&gt; args…</c> (a published service, e.g. <c>dist/PublicInbox/PublicInbox.dll migrate</c>) to completion.</summary>
    public static async Task RunDllToCompletionAsync(string dll, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var project = Path.GetFileNameWithoutExtension(dll);
        var start = StartInfo(dll, environment, args);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{project} {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }

    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var start = StartInfo(_dll, _environment, "--urls", BaseAddress.ToString().TrimEnd('/'));
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Name} did not start");
        _process = process;
        ChildProcesses.Track(process);

        var log = new StreamWriter(_logPath, append: true) { AutoFlush = true };
        await log.WriteLineAsync($"===== {DateTime.UtcNow:O} start {Name} on {BaseAddress}");
        // Note: Exited can be raised before the last output lines are delivered, so the log is closed when both streams
        // have ended (a null line each), not at Exited: a start-up failure's last words (the reason) must reach the log.
        var closed = false;
        var openStreams = 2;
        void Write(string? line)
        {
            lock (log)
            {
                if (closed)
                {
                    return;
                }

                if (line is not null)
                {
                    log.WriteLine(line);
                    return;
                }

                if (--openStreams == 0)
                {
                    log.WriteLine($"===== {DateTime.UtcNow:O} exited");
                    closed = true;
                    log.Dispose();
                }
            }
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitHealthyAsync();
    }

    /// <summary>Kills the process at once (like a crash or <c>kill -9</c>): no graceful shutdown.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        if (_process is not null)
        {
            ChildProcesses.Forget(_process);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                // Note: waits for the redirected output to be read to its end, so Tail() shows the process's last lines.
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} during start; see {_logPath}:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "/healthz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name} did not answer /healthz within 60 s; see {_logPath}:\n{Tail()}");
    }

    private string Tail()
    {
        try
        {
            using var stream = new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n');
            return string.Join('\n', lines.TakeLast(40));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    /// <summary>How every service process of the tests is started: <c>dotnet &lt;dll&gt; args…</c> in its folder, Development, only the given settings on top.</summary>
    internal static ProcessStartInfo StartInfo(string dll, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build the solution first: {dll} is missing.", dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }
}
