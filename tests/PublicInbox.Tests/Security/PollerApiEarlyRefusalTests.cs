using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 8: <c>/poller/*</c> refuses a request without signature headers, or with a stale timestamp, before it
/// reads the body. As an attacker sends it: raw HTTP announcing a 1 MB body and sending only its first bytes; the 401
/// comes back although the body never arrives (a server that buffered first would still be waiting).
/// </summary>
public sealed class PollerApiEarlyRefusalTests(AdminInboxFixture fixture) : IClassFixture<AdminInboxFixture>
{
    [Fact]
    public async Task WithoutSignatureHeaders_TheUnfinishedBodyIsNotAwaited()
    {
        var answer = await SendUnfinishedAsync("");

        Assert.StartsWith("HTTP/1.1 401", answer, StringComparison.Ordinal);
        Assert.Contains("Malformed", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAStaleTimestamp_TheUnfinishedBodyIsNotAwaited()
    {
        var stale = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var answer = await SendUnfinishedAsync($"webhook-id: msg_attacker1\r\nwebhook-timestamp: {stale}\r\nwebhook-signature: v1,AAAA\r\n");

        Assert.StartsWith("HTTP/1.1 401", answer, StringComparison.Ordinal);
        Assert.Contains("Stale", answer, StringComparison.Ordinal);
    }

    private async Task<string> SendUnfinishedAsync(string signatureHeaders)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", fixture.Inbox.Process.Port);
        var stream = tcp.GetStream();
        var head = "POST /poller/v1/claim HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n" + signatureHeaders + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + "{\"pollerId\":\"attacker\","));

        // Note: the rest of the announced megabyte never comes; only a server that answers before reading the body replies.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        var received = new StringBuilder();
        try
        {
            while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) || !received.ToString().Contains('}', StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("No answer within 15 s: the server waited for the body before checking the signature headers. Got: " + received);
        }

        return received.ToString();
    }
}
