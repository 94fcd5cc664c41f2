using System.Diagnostics;

namespace Weixin.Inbox.Testing;

/// <summary>What a service process printed and how it ended.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    /// <summary>Everything printed, standard output first.</summary>
    public string Output => StandardOutput + StandardError;

    /// <summary>The non-empty lines printed, in order (standard output, then standard error).</summary>
    public IReadOnlyList<string> Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// What a refused start must not print: a stack trace, an exception's name, or Kestrel's "Now listening" (the
    /// settings check comes before the service starts).
    /// </summary>
    public string? StackTraceOrStart =>
        new[] { "   at ", "Exception", "Now listening" }.FirstOrDefault(s => Output.Contains(s, StringComparison.Ordinal));
}

/// <summary>
/// Runs one of our services as a real process to its end (<c>dotnet &lt;Service&gt;.dll args…</c>), with only the given
/// settings, and returns its exit code and output whatever they are (unlike <see cref="ServiceProcess.RunToCompletionAsync"/>,
/// which throws on a failure). For commands (<c>check-config</c>) and for starts that must fail.
/// </summary>
public static class ServiceCommand
{
    /// <summary>Starts <paramref name="project"/> with <paramref name="settings"/> on a free port and waits for it to end (a start that must fail).</summary>
    public static Task<CommandResult> StartAsync(string project, IReadOnlyDictionary<string, string> settings) =>
        RunAsync(project, settings, "--urls", $"http://127.0.0.1:{TestEnvironment.FreePort()}");

    /// <summary>
    /// Runs <c>check-config</c> while the test holds the port the service is told to listen on: a service that tried
    /// to listen (started instead of checking) would fail there.
    /// </summary>
    public static async Task<CommandResult> CheckConfigWithItsPortHeldAsync(string project, IReadOnlyDictionary<string, string> settings)
    {
        using var held = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        held.Start();
        var port = ((System.Net.IPEndPoint)held.LocalEndpoint).Port;
        return await RunAsync(project, settings, "check-config", "--urls", $"http://127.0.0.1:{port}");
    }

    /// <summary><paramref name="valid"/> with <paramref name="changes"/> applied: a null value removes the setting.</summary>
    public static Dictionary<string, string> With(Dictionary<string, string> valid, params (string Key, string? Value)[] changes)
    {
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                valid.Remove(key);
            }
            else
            {
                valid[key] = value;
            }
        }

        return valid;
    }

    public static async Task<CommandResult> RunAsync(string project, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = ServiceProcess.StartInfo(TestEnvironment.ServiceDll(project), environment, args);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{project} {string.Join(' ', args)} did not end within 60 s:\n{await stdout}\n{await stderr}");
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }
}
