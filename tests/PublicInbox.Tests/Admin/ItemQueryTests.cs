using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Weixin.Inbox.PublicInbox.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Admin;

/// <summary>The history's filters and keyset paging on a few thousand items in the real MariaDB.</summary>
public class ItemQueryTests(InboxDatabaseFixture fixture) : IClassFixture<InboxDatabaseFixture>, IAsyncLifetime
{
    private const int Count = 3000;

    /// <summary>Item n is received at Base + n minutes (UTC).</summary>
    private static readonly DateTime Base = new(2031, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    public async Task InitializeAsync()
    {
        await fixture.ResetAsync();
        // Note: MariaDB's sequence engine makes thousands of rows in one statement. Kinds cycle oauth/message/event,
        // statuses cycle every 3 rows; one item in 100 has the word to find.
        await fixture.Database.ExecuteAsync($"""
            INSERT INTO inbox_items (kind, status, received_at, completed_at, correlation_id, attempts, open_id, oauth_state, body)
            SELECT ELT(1 + seq % 3, 'oauth', 'message', 'event'),
                   ELT(1 + (seq DIV 3) % 5, 'pending', 'leased', 'done', 'failed', 'expired'),
                   '{Base:yyyy-MM-dd HH:mm:ss}' + INTERVAL seq MINUTE,
                   IF((seq DIV 3) % 5 = 2, '{Base:yyyy-MM-dd HH:mm:ss}' + INTERVAL seq MINUTE + INTERVAL 800000 MICROSECOND, NULL),
                   CONCAT('q', seq), 1 + seq % 2,
                   IF(seq % 3 = 0, NULL, CONCAT('o_user_', seq % 50)),
                   IF(seq % 3 = 0, CONCAT('state_', seq), NULL),
                   IF(seq % 3 = 0, NULL, CONCAT('<xml><Content><![CDATA[', IF(seq % 100 = 7, '查询 needle 客户', 'hello 100%'), ']]></Content></xml>'))
            FROM seq_1_to_{Count}
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Page_WalkingOlder_VisitsEveryItemOnceNewestFirst()
    {
        var seen = await WalkAsync(Filter());

        Assert.Equal(Count, seen.Count);
        Assert.Equal(seen.OrderByDescending(r => r.Id).Select(r => r.Id), seen.Select(r => r.Id));
        Assert.Equal(Base.AddMinutes(Count), seen[0].ReceivedAt);
    }

    [Fact]
    public async Task Page_AfterTheOldestIdOfAPage_ComesBackToThePageBefore()
    {
        await using var db = fixture.CreateContext();
        var first = await ItemQuery.PageAsync(db, Filter(), null, null, 50, CancellationToken.None);
        var second = await ItemQuery.PageAsync(db, Filter(), first.OlderThan, null, 50, CancellationToken.None);

        var back = await ItemQuery.PageAsync(db, Filter(), null, second.NewerThan, 50, CancellationToken.None);

        Assert.Null(first.NewerThan);
        Assert.Equal(first.Rows.Select(r => r.Id), back.Rows.Select(r => r.Id));
        Assert.Null(back.NewerThan);
    }

    [Fact]
    public async Task Filter_ByKindAndStatus_ReturnsExactlyThoseItems()
    {
        var rows = await WalkAsync(Filter(("kind", "message"), ("status", "failed")));

        Assert.Equal(Enumerable.Range(1, Count).Count(n => n % 3 == 1 && (n / 3) % 5 == 3), rows.Count);
        Assert.All(rows, r => Assert.Equal(("message", "failed"), (r.Kind, r.Status)));
    }

    [Fact]
    public async Task Filter_ByTimeRange_ReadsChinaTimeAndKeepsTheStartButNotTheEnd()
    {
        // Item n arrives at Base + n min UTC = Base + 8 h + n min in China.
        var from = (Base + AdminFormat.ChinaOffset).AddMinutes(100).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
        var to = (Base + AdminFormat.ChinaOffset).AddMinutes(160).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);

        var rows = await WalkAsync(Filter(("from", from), ("to", to)));

        Assert.Equal(Enumerable.Range(100, 60).Select(n => Base.AddMinutes(n)).Reverse(), rows.Select(r => r.ReceivedAt));
    }

    [Fact]
    public async Task Filter_ByOpenIdOrState_FindsTheUsersMessagesOrTheLogin()
    {
        var byOpenId = await WalkAsync(Filter(("who", "o_user_7")));
        var byState = await WalkAsync(Filter(("who", "state_1500")));

        Assert.Equal(Enumerable.Range(1, Count).Count(n => n % 3 != 0 && n % 50 == 7), byOpenId.Count);
        Assert.All(byOpenId, r => Assert.Equal("o_user_7", r.OpenId));
        var login = Assert.Single(byState);
        Assert.Equal(("oauth", Base.AddMinutes(1500)), (login.Kind, login.ReceivedAt));
    }

    [Fact]
    public async Task Filter_ByLoginStateAndTime_AnswersWhatHappenedAtThatMinute()
    {
        var at = (Base + AdminFormat.ChinaOffset).AddMinutes(1500);

        var rows = await WalkAsync(Filter(("kind", "oauth"), ("from", at.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture)),
            ("to", at.AddMinutes(1).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture))));

        var row = Assert.Single(rows);
        Assert.Equal("state_1500", row.OAuthState);
    }

    [Fact]
    public async Task Filter_ByText_MatchesTheBodyAndTreatsWildcardsAsText()
    {
        var needle = await WalkAsync(Filter(("text", "needle 客户")));
        var percent = await WalkAsync(Filter(("text", "100%")));
        var underscore = await WalkAsync(Filter(("text", "_")));

        Assert.Equal(Enumerable.Range(1, Count).Count(n => n % 3 != 0 && n % 100 == 7), needle.Count);
        Assert.Equal(Enumerable.Range(1, Count).Count(n => n % 3 != 0 && n % 100 != 7), percent.Count);
        Assert.Empty(underscore);
    }

    [Fact]
    public void Parse_DropsUnknownKindsStatusesAndTimes()
    {
        var filter = Filter(("kind", "x' OR 1=1"), ("status", "done"), ("from", "yesterday"), ("text", "  "));

        Assert.Equal(new ItemFilter(null, "done", null, null, null, null), filter);
        Assert.Equal("status=done", filter.ToQuery());
    }

    private static ItemFilter Filter(params (string Name, string Value)[] values) =>
        ItemFilter.Parse(new QueryCollection(values.ToDictionary(v => v.Name, v => new StringValues(v.Value))));

    private async Task<List<ItemRow>> WalkAsync(ItemFilter filter)
    {
        await using var db = fixture.CreateContext();
        var rows = new List<ItemRow>();
        long? before = null;
        for (var guard = 0; guard < 200; guard++)
        {
            var page = await ItemQuery.PageAsync(db, filter, before, null, 50, CancellationToken.None);
            rows.AddRange(page.Rows);
            if (page.OlderThan is null)
            {
                return rows;
            }

            before = page.OlderThan;
        }

        throw new InvalidOperationException("Paging did not end.");
    }
}
