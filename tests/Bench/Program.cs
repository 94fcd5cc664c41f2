using System.Diagnostics;
using System.Globalization;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Testing;

// Login latency benchmark: the whole pipeline as real processes on MariaDB, N logins one after another.
// Usage: dotnet run --project tests/Bench -c Release -- logins [count=50] [pollInterval=00:00:01]
//        dotnet run --project tests/Bench -c Release -- crm-returning [count=20] [pollInterval=00:00:01]
//        dotnet run --project tests/Bench -c Release -- messages [count=200] [perSecond=20] [pollInterval=00:00:01] [mode=aes]
//        dotnet run --project tests/Bench -c Release -- messages-load [count=1000] [concurrency=100] [pollInterval=00:00:01] [backlog=N] [warmup=20]
//        dotnet run --project tests/Bench -c Release -- footprint [starts=3] [settleSeconds=5] [callbacks=3000] [messages=300] [concurrency=64]
//        dotnet run --project tests/Bench -c Release -- ingest [seconds=10] [connections=64] [threads=2] [poller=paused|draining]   (needs wrk: scripts/ensure-bench-tools.sh)
if (args is ["admin-list", ..])
{
    return await Weixin.Inbox.Bench.AdminListBench.RunAsync(args);
}

if (args is ["messages", ..])
{
    return await Weixin.Inbox.Bench.MessageBench.RunAsync(args);
}

if (args is ["messages-load", ..]) return await Weixin.Inbox.Bench.MessagesLoadBench.RunAsync(args[1..]);

if (args is ["ingest", ..]) return await Weixin.Inbox.Bench.IngestBench.RunAsync(args[1..]);

if (args is ["footprint", ..]) return await Weixin.Inbox.Bench.FootprintBench.RunAsync(args[1..]);

if (args is ["outbox", ..]) return await Weixin.Inbox.Bench.OutboxBench.RunAsync(args[1..]);

if (args is ["crm-returning", ..])
{
    return await Weixin.Inbox.Bench.CrmReturningBench.RunAsync(args[1..]);
}

if (args is not ["logins", ..])
{
    Console.Error.WriteLine("usage: Bench logins [count=50] [pollInterval=00:00:01] | crm-returning [count=20] [pollInterval=00:00:01] | messages [count=200] [perSecond=20] [pollInterval=00:00:01] [mode=aes] | messages-load [count=1000] [concurrency=100] [pollInterval=00:00:01] [backlog=N] [warmup=20] | ingest [seconds=10] [connections=64] [threads=2] [poller=paused|draining]");
    return 2;
}

var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
var interval = args.Length > 2 ? TimeSpan.Parse(args[2], CultureInfo.InvariantCulture) : TimeSpan.FromSeconds(1);
Console.WriteLine($"Starting simulator, inbox, poller (poll interval {interval}) on MariaDB…");
await using var system = await LoginSystem.StartAsync(new LoginSystemSettings { PollInterval = interval }, "bench");
var openId = await system.AddWeixinUserAsync("压测用户");

// Warm-up: JIT and connection pools, not measured.
for (var i = 0; i < 3; i++)
{
    await LoginOnceAsync();
}

var callbackToRedirect = new List<double>();
var storedToCompleted = new List<double>();
for (var i = 0; i < count; i++)
{
    var (wall, itemId) = await LoginOnceAsync();
    callbackToRedirect.Add(wall);
    var row = (await system.Database.QueryAsync(system.Database.InboxDatabase,
        "SELECT TIMESTAMPDIFF(MICROSECOND, received_at, completed_at) AS us FROM inbox_items WHERE id = @id", ("@id", itemId))).Single();
    storedToCompleted.Add(Convert.ToDouble(row["us"], CultureInfo.InvariantCulture) / 1000.0);
}

Weixin.Inbox.Bench.Latency.Report("callback → browser told to redirect (status polled every 50 ms)", callbackToRedirect);
Weixin.Inbox.Bench.Latency.Report("stored → completed (database times)", storedToCompleted);
return 0;

async Task<(double WallMs, long ItemId)> LoginOnceAsync()
{
    using var browser = system.NewBrowser();
    var login = await system.Gateway.CreateLoginAsync(new CreateLoginRequest(system.ReturnUrl));
    var callback = await browser.AuthorizeAsync(login.AuthorizeUrl, openId, allow: true);
    var watch = Stopwatch.StartNew();
    var itemId = await browser.OpenCallbackAsync(callback);
    while (true)
    {
        var (_, outcome) = await browser.GetStatusAsync(itemId);
        if (outcome is { State: "done" } && outcome.Ticket is not null)
        {
            watch.Stop();
            await system.Gateway.RedeemAsync(login.LoginId, new RedeemTicketRequest(outcome.Ticket));
            return (watch.Elapsed.TotalMilliseconds, itemId);
        }

        if (outcome is { State: "failed" or "expired" })
        {
            throw new InvalidOperationException($"Login {itemId} ended {outcome.State}: {outcome.Message}");
        }

        await Task.Delay(50);
    }
}
