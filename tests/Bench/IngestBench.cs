using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Bench;

/// <summary>
/// Ingest benchmark (issue 14): how many <c>/wx/oauth/callback</c> requests the real inbox stores per second, side by
/// side with a raw endpoint in this process that does what storing needs at the least: one autocommit INSERT into a
/// table shaped exactly like <c>inbox_items</c> (<c>CREATE TABLE … LIKE</c>), with the inbox's own database user, then
/// a 303. Both are driven by the same load generator (wrk, Debian's package) with distinct, announced states, in the
/// same run, raw first; the ratio is the figure that matters (the box's speed cancels out).
/// Usage: Bench ingest [seconds=10] [connections=64] [threads=2] [poller=paused|draining] [minStatesPerSecond=0]
/// (<c>minStatesPerSecond</c>: announce at least that many states per second of the run, for a database whose raw
/// INSERT rate is far below what the inbox's group commit reaches, e.g. a Galera cluster.)
/// Prints one summary line starting <c>ingest:</c>.
/// </summary>
public static class IngestBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var connections = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        var threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        var pollerMode = args.Length > 3 ? args[3] : "paused";
        var minStatesPerSecond = args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 0;
        if (pollerMode is not ("paused" or "draining"))
        {
            Console.Error.WriteLine("poller must be paused or draining");
            return 2;
        }

        var wrk = FindWrk();
        if (wrk is null)
        {
            Console.Error.WriteLine("wrk not found: run scripts/ensure-bench-tools.sh (installs Debian's wrk)");
            return 2;
        }

        Console.WriteLine($"Starting simulator, inbox, poller ({pollerMode}) on MariaDB…");
        // Note: a paused poller is a gateway-only instance (Poller:Enabled=false): it still announces states, claims nothing.
        await using var system = await LoginSystem.StartAsync(new LoginSystemSettings
        {
            PollerEnvironment = pollerMode == "paused" ? new Dictionary<string, string> { ["Poller__Enabled"] = "false" } : new Dictionary<string, string>(),
        }, "bench-ingest");

        await system.Database.ExecuteAsync(system.Database.InboxDatabase, "CREATE TABLE bench_raw_callbacks LIKE inbox_items");
        await using var raw = await RawEndpoint.StartAsync(system.Database.ServiceConnection(system.Database.InboxDatabase));

        using var poller = SignedClients.Poller(system.PollerKey, system.Inbox.BaseAddress, maxConnections: 32);
        var work = Directory.CreateTempSubdirectory("bench-ingest-");
        try
        {
            var script = Path.Combine(work.FullName, "callbacks.lua");
            await File.WriteAllTextAsync(script, LuaScript);

            // Warm-up of both (JIT, pools, buffer pool), not measured.
            var warmStates = await WriteStatesAsync(work.FullName, "warm", 2_000, poller);
            await RunWrkAsync(wrk, script, warmStates, raw.BaseAddress + "raw/oauth/callback", 2, threads, connections);
            await RunWrkAsync(wrk, script, warmStates, system.Inbox.BaseAddress + "wx/oauth/callback", 2, threads, connections);

            var rawStates = await WriteStatesAsync(work.FullName, "raw", 6_000 * seconds, announceThrough: null);
            var rawResult = await RunWrkAsync(wrk, script, rawStates, raw.BaseAddress + "raw/oauth/callback", seconds, threads, connections);
            Console.WriteLine($"raw INSERT endpoint: {rawResult}");

            // Note: the inbox stores only announced states; enough for twice the raw rate (group commit lets the inbox
            // outrun the raw endpoint, and a repeated state would be refused), announced as the gateway announces them
            // (signed, one call each), before the clock starts. Should the inbox use them all up, the line says so
            // (states_exhausted=yes: the inbox rate is then a lower bound).
            var inboxStateCount = (int)(Math.Max(rawResult.RequestsPerSecond * 2.0, minStatesPerSecond) * seconds) + 1_000;
            var inboxStates = await WriteStatesAsync(work.FullName, "inbox", inboxStateCount, poller);
            var before = await CountAsync(system, "inbox_items");
            var inboxResult = await RunWrkAsync(wrk, script, inboxStates, system.Inbox.BaseAddress + "wx/oauth/callback", seconds, threads, connections);
            var stored = await CountAsync(system, "inbox_items") - before;
            Console.WriteLine($"inbox /wx/oauth/callback: {inboxResult}; rows stored {stored}");

            // Note: store-first: every 303 the inbox sent is a committed row (wrk counts what it received; a request cut
            // off at the end of the run may still be stored without being counted, never the reverse).
            var answered = inboxResult.Requests - inboxResult.Non3xx;
            var storeFirst = stored >= answered;
            var ratio = inboxResult.RequestsPerSecond / rawResult.RequestsPerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ingest: poller={pollerMode} connections={connections} seconds={seconds} raw={rawResult.RequestsPerSecond:F0}/s inbox={inboxResult.RequestsPerSecond:F0}/s ratio={ratio:F2} raw_p50={rawResult.P50Ms:F1}ms raw_p99={rawResult.P99Ms:F1}ms inbox_p50={inboxResult.P50Ms:F1}ms inbox_p99={inboxResult.P99Ms:F1}ms inbox_non3xx={inboxResult.Non3xx} stored={stored} answered={answered} store_first={(storeFirst ? "ok" : "VIOLATED")} states_exhausted={(inboxResult.Requests >= inboxStateCount ? "yes" : "no")}"));
            return storeFirst && inboxResult.Non3xx == 0 ? 0 : 1;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string? FindWrk() =>
        new[] { "/usr/bin/wrk", "/usr/local/bin/wrk" }.FirstOrDefault(File.Exists);

    /// <summary>Writes <paramref name="count"/> fresh 43-character states (as the gateway issues them), announcing each when asked.</summary>
    private static async Task<string> WriteStatesAsync(string directory, string name, int count, HttpClient? announceThrough)
    {
        var states = new string[count];
        for (var i = 0; i < count; i++)
        {
            states[i] = Base64Letters(RandomNumberGenerator.GetBytes(32));
        }

        if (announceThrough is not null)
        {
            var watch = Stopwatch.StartNew();
            var expires = DateTimeOffset.UtcNow.AddMinutes(30);
            await Parallel.ForEachAsync(states, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (state, ct) =>
            {
                using var response = await announceThrough.PostAsJsonAsync("/poller/v1/oauth-states", new AnnounceStateRequest(OAuthStateHash.Compute(state), expires), ct);
                response.EnsureSuccessStatusCode();
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"announced {count} states in {watch.Elapsed.TotalSeconds:F1} s"));
        }

        var path = Path.Combine(directory, name + ".states");
        await File.WriteAllLinesAsync(path, states);
        return path;
    }

    private static string Base64Letters(byte[] bytes)
    {
        var chars = Convert.ToBase64String(bytes).Where(char.IsAsciiLetterOrDigit).ToArray();
        return new string(chars).PadRight(43, 'A')[..43];
    }

    private static async Task<long> CountAsync(LoginSystem system, string table) =>
        Convert.ToInt64((await system.Database.QueryAsync(system.Database.InboxDatabase, $"SELECT COUNT(*) AS n FROM {table}")).Single()["n"], CultureInfo.InvariantCulture);

    private static async Task<WrkResult> RunWrkAsync(string wrk, string script, string statesFile, string url, int seconds, int threads, int connections)
    {
        var start = new ProcessStartInfo(wrk)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                     "-d", seconds.ToString(CultureInfo.InvariantCulture) + "s", "--latency", "-s", script, url, "--", statesFile, threads.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {errors}{output}");
        }

        return WrkResult.Parse(output);
    }

    /// <summary>What one wrk run measured.</summary>
    public sealed record WrkResult(long Requests, double RequestsPerSecond, double P50Ms, double P99Ms, long Non3xx, long SocketErrors)
    {
        public static WrkResult Parse(string output)
        {
            double Latency(string percentile)
            {
                var m = Regex.Match(output, $@"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
                if (!m.Success)
                {
                    return double.NaN;
                }

                var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                return m.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
            }

            long Count(string pattern) => Regex.Match(output, pattern) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var errors = Regex.Matches(output, @"(?:connect|read|write|timeout) (\d+)").Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            return new WrkResult(
                Count(@"(\d+) requests in"),
                double.Parse(Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture),
                Latency("50"),
                Latency("99"),
                Count(@"Non-2xx or 3xx responses: (\d+)"),
                errors);
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Requests} requests, {RequestsPerSecond:F0}/s, p50 {P50Ms:F1} ms, p99 {P99Ms:F1} ms, non-3xx {Non3xx}, socket errors {SocketErrors}");
    }

    // Note: every wrk thread reads the states file and takes every n-th line from its own offset, so no state is sent
    // twice (a repeated state would be refused by the inbox and skew the figures).
    private const string LuaScript = """
        local counter = 0
        local threads = {}
        function setup(thread)
          thread:set("offset", counter)
          counter = counter + 1
          table.insert(threads, thread)
        end
        function init(args)
          states = {}
          for line in io.lines(args[1]) do states[#states + 1] = line end
          stride = tonumber(args[2])
          index = offset + 1
        end
        function request()
          local state = states[index]
          if state == nil then state = "exhausted" end
          index = index + stride
          return wrk.format("GET", wrk.path .. "?code=CODE" .. index .. "&state=" .. state)
        end
        """;

    /// <summary>The baseline: the least a store-first callback endpoint can do with the same database and user.</summary>
    private sealed class RawEndpoint : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private RawEndpoint(WebApplication app, Uri baseAddress)
        {
            _app = app;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public static async Task<RawEndpoint> StartAsync(string connectionString)
        {
            var port = TestEnvironment.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var app = builder.Build();
            app.MapGet("/raw/oauth/callback", async (HttpContext http, string? code, string? state) =>
            {
                if (string.IsNullOrEmpty(state) || state.Length > 128 || (code?.Length ?? 0) > 256)
                {
                    return Results.BadRequest();
                }

                var now = DateTime.UtcNow;
                await using var connection = new MySqlConnection(connectionString);
                await connection.OpenAsync(http.RequestAborted);
                await using var insert = new MySqlCommand("""
                    INSERT INTO bench_raw_callbacks (kind, status, received_at, deadline, correlation_id, oauth_code, oauth_state, remote_ip, user_agent, cookie_hash, attempts)
                    VALUES ('oauth', 'pending', @now, @deadline, @corr, @code, @state, @ip, @ua, @cookie, 0)
                    """, connection);
                insert.Parameters.AddWithValue("@now", now);
                insert.Parameters.AddWithValue("@deadline", now.AddMinutes(1));
                insert.Parameters.AddWithValue("@corr", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
                insert.Parameters.AddWithValue("@code", code);
                insert.Parameters.AddWithValue("@state", state);
                insert.Parameters.AddWithValue("@ip", http.Connection.RemoteIpAddress?.ToString());
                insert.Parameters.AddWithValue("@ua", http.Request.Headers.UserAgent.ToString());
                insert.Parameters.AddWithValue("@cookie", Convert.ToHexStringLower(SHA256.HashData(RandomNumberGenerator.GetBytes(32))));
                await insert.ExecuteNonQueryAsync(http.RequestAborted);
                http.Response.Headers.Location = "/wx/wait/" + insert.LastInsertedId.ToString(CultureInfo.InvariantCulture);
                return Results.StatusCode(StatusCodes.Status303SeeOther);
            });
            await app.StartAsync();
            return new RawEndpoint(app, new Uri($"http://127.0.0.1:{port}/"));
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
