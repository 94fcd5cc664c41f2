using System.Diagnostics;

namespace Weixin.Inbox.Testing;

/// <summary>What a service process printed and how it ended.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    /// <summary>Everything printed, standard output first.</summary>
    public string Output => StandardOutput + StandardError;

    /// <summary>The non-empty lines printed, in order (standard output, then standard error).</summary>
    public IReadOnlyList<string> Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Runs one of our services as a real process to its end (<c>dotnet &lt;Service&gt;.dll args…</c>), with only the given
/// settings, and returns its exit code and output whatever they are (unlike <see cref="ServiceProcess.RunToCompletionAsync"/>,
/// which throws on a failure). For commands (<c>check-config</c>) and for starts that must fail.
/// </summary>
public static class ServiceCommand
{
    public static async Task<CommandResult> RunAsync(string project, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dll = TestEnvironment.ServiceDll(project);
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
