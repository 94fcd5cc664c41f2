using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;
using Weixin.Inbox.PublicInbox.Callbacks;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// The replay guard's batch check (<see cref="CallbackReplayGuard.CheckBatchAsync"/>) on its own, in one transaction as
/// the group commit runs it: several uses of one pair in a batch, and pairs remembered from earlier batches. (The
/// black-box tests in <see cref="CallbackReplayTests"/> cannot force a shared batch.)
/// </summary>
public sealed class ReplayGuardBatchTests(InboxDatabaseFixture fixture) : IClassFixture<InboxDatabaseFixture>
{
    [Fact]
    public async Task InOneBatch_TheFirstBodyOfAPairWins_ItsSameBodyIsARetry_AndAnotherBodyAReplay()
    {
        var (p, q, r) = (Pair(), Pair(), Pair());
        await using var db = fixture.CreateContext();
        await db.Database.OpenConnectionAsync();
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        // Note: r was remembered by an earlier batch, committed on its own (as a failed batch's signatures are).
        Assert.Equal([ReplayVerdict.New], await CallbackReplayGuard.CheckBatchAsync(connection, null, [Sig(r, "D")], DateTime.UtcNow));

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var verdicts = await CallbackReplayGuard.CheckBatchAsync(connection, transaction,
                [Sig(p, "A"), Sig(p, "B"), Sig(p, "A"), Sig(q, "C"), Sig(r, "D"), Sig(r, "E")], DateTime.UtcNow);
            await transaction.CommitAsync();

            Assert.Equal(
                [ReplayVerdict.New, ReplayVerdict.Replay, ReplayVerdict.Retry, ReplayVerdict.New, ReplayVerdict.Retry, ReplayVerdict.Replay],
                verdicts);
        }

        // The first body of each pair is what is remembered, and a later batch is judged against it.
        var rows = await fixture.Database.QueryAsync(
            "SELECT nonce, body_sha256 FROM callback_signatures WHERE nonce IN (@p, @q, @r) ORDER BY nonce", ("p", p.Nonce), ("q", q.Nonce), ("r", r.Nonce));
        Assert.Equal(
            new[] { (p.Nonce, "A"), (q.Nonce, "C"), (r.Nonce, "D") }.OrderBy(x => x.Item1, StringComparer.Ordinal).Select(x => Convert.ToHexString(Sig(p, x.Item2).BodySha256)),
            rows.Select(row => Convert.ToHexString((byte[])row["body_sha256"]!)));
        Assert.Equal(
            [ReplayVerdict.Replay, ReplayVerdict.Retry],
            await CallbackReplayGuard.CheckBatchAsync(connection, null, [Sig(q, "A"), Sig(q, "C")], DateTime.UtcNow));
    }

    [Fact]
    public async Task ABatchThatRollsBack_RemembersNothing()
    {
        var p = Pair();
        await using var db = fixture.CreateContext();
        await db.Database.OpenConnectionAsync();
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.Equal([ReplayVerdict.New], await CallbackReplayGuard.CheckBatchAsync(connection, transaction, [Sig(p, "A")], DateTime.UtcNow));
            await transaction.RollbackAsync();
        }

        // Note: so ItemIngest remembers a failed batch's signatures again, on their own (CallbackReplayTests).
        Assert.Equal([ReplayVerdict.New], await CallbackReplayGuard.CheckBatchAsync(connection, null, [Sig(p, "B")], DateTime.UtcNow));
    }

    private static (string Timestamp, string Nonce) Pair() =>
        (DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));

    private static CallbackSignature Sig((string Timestamp, string Nonce) pair, string body) => CallbackSignature.Of(pair.Timestamp, pair.Nonce, "<xml>" + body + "</xml>");
}
