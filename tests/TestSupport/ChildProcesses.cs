using System.Diagnostics;

namespace Weixin.Inbox.Testing;

/// <summary>
/// Processes a test starts (services, nginx, a private MariaDB) that must not outlive the test host: killed with their
/// children when it ends, also when it ends without disposing them (a crash, a timeout).
/// </summary>
public static class ChildProcesses
{
    private static readonly HashSet<Process> Live = [];

    static ChildProcesses()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Live)
            {
                foreach (var process in Live)
                {
                    try
                    {
                        process.Kill(entireProcessTree: true);
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }
            }
        };
    }

    /// <summary>Kills <paramref name="process"/> when the test host ends, unless <see cref="Forget"/> was called first.</summary>
    public static Process Track(Process process)
    {
        lock (Live)
        {
            Live.Add(process);
        }

        return process;
    }

    /// <summary>The caller stopped <paramref name="process"/> itself.</summary>
    public static void Forget(Process process)
    {
        lock (Live)
        {
            Live.Remove(process);
        }
    }
}
