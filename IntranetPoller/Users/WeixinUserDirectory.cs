using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Weixin;
using static Weixin.Inbox.Contracts.Text.TextClip;

namespace Weixin.Inbox.IntranetPoller.Users;

/// <summary>
/// The WeChat user directory (<c>weixin_users</c>): who logged in through the gateway (with the profile WeChat gave
/// then) and who follows the official account. Every write is one atomic upsert, so several pollers handling the same
/// user at once neither fail on the primary key nor lose each other's changes.
/// </summary>
public sealed class WeixinUserDirectory(GatewayDbContext db, TimeProvider time)
{
    /// <summary>Reads one user; null when the gateway has never seen them.</summary>
    public Task<WeixinUserEntry?> FindAsync(string? openId, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.OpenId == openId, cancellationToken);

    /// <summary>Records a completed login: the profile as WeChat gave it now, one more login, last seen now.</summary>
    /// <remarks>Joins the caller's transaction, if any (the login's ticket commits with it).</remarks>
    public async Task RecordLoginAsync(WeixinUserInfo profile, CancellationToken cancellationToken)
    {
        var seen = time.GetUtcNow().UtcDateTime;
        // Note: one atomic statement, so two simultaneous first logins of one user cannot both insert (the
        // primary key decides) and the loser turns into the update instead of failing.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO weixin_users (open_id, union_id, nickname, head_img_url, sex, province, city, country, first_seen_at, last_seen_at, login_count)
            VALUES ({profile.OpenId}, {Clip(profile.UnionId, 64)}, {Clip(profile.Nickname, 256) ?? ""}, {Clip(profile.HeadImgUrl, 1024)}, {profile.Sex},
                    {Clip(profile.Province, 64)}, {Clip(profile.City, 64)}, {Clip(profile.Country, 64)}, {seen}, {seen}, 1)
            ON DUPLICATE KEY UPDATE
                union_id = COALESCE(VALUES(union_id), union_id),
                nickname = VALUES(nickname),
                head_img_url = VALUES(head_img_url),
                sex = VALUES(sex),
                province = VALUES(province),
                city = VALUES(city),
                country = VALUES(country),
                last_seen_at = VALUES(last_seen_at),
                login_count = login_count + 1
            """, cancellationToken);
    }

    /// <summary>Records a <c>subscribe</c> event WeChat stamped <paramref name="eventAt"/>, unless a later unsubscribe stands.</summary>
    public async Task RecordSubscribeAsync(string openId, DateTimeOffset eventAt, CancellationToken cancellationToken)
    {
        var at = eventAt.UtcDateTime;
        var now = time.GetUtcNow().UtcDateTime;
        // Note: items are handled concurrently and WeChat's retries arrive late, so a subscribe may be handled after a
        // later unsubscribe; WeChat's event time decides which one stands. MySQL applies the assignments left to
        // right, so `subscribed` is decided against the times as they were before this event.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO weixin_users (open_id, nickname, sex, first_seen_at, last_seen_at, login_count, subscribed, subscribed_at)
            VALUES ({openId}, '', 0, {now}, {now}, 0, 1, {at})
            ON DUPLICATE KEY UPDATE
                subscribed = IF(unsubscribed_at IS NULL OR unsubscribed_at <= {at}, 1, subscribed),
                subscribed_at = IF(subscribed_at IS NULL OR subscribed_at < {at}, {at}, subscribed_at)
            """, cancellationToken);
    }

    /// <summary>
    /// Makes sure a user seen in a <c>SCAN</c> event (only followers send one) is in the directory, as following; an
    /// existing entry is left as it is, since a scan says nothing about when the user followed.
    /// </summary>
    public async Task RecordFollowerSeenAsync(string openId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO weixin_users (open_id, nickname, sex, first_seen_at, last_seen_at, login_count, subscribed)
            VALUES ({openId}, '', 0, {now}, {now}, 0, 1)
            ON DUPLICATE KEY UPDATE open_id = open_id
            """, cancellationToken);
    }

    /// <summary>Records an <c>unsubscribe</c> event WeChat stamped <paramref name="eventAt"/>, unless a later subscribe stands.</summary>
    public async Task RecordUnsubscribeAsync(string openId, DateTimeOffset eventAt, CancellationToken cancellationToken)
    {
        var at = eventAt.UtcDateTime;
        var now = time.GetUtcNow().UtcDateTime;
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO weixin_users (open_id, nickname, sex, first_seen_at, last_seen_at, login_count, subscribed, unsubscribed_at)
            VALUES ({openId}, '', 0, {now}, {now}, 0, 0, {at})
            ON DUPLICATE KEY UPDATE
                subscribed = IF(subscribed_at IS NULL OR subscribed_at <= {at}, 0, subscribed),
                unsubscribed_at = IF(unsubscribed_at IS NULL OR unsubscribed_at < {at}, {at}, unsubscribed_at)
            """, cancellationToken);
    }
}

/// <summary>Registration of the user directory.</summary>
public static class WeixinUserDirectoryExtensions
{
    /// <summary>Adds <see cref="WeixinUserDirectory"/> (once; every feature that reads or writes users asks for it).</summary>
    public static IServiceCollection AddUserDirectory(this IServiceCollection services)
    {
        services.TryAddScoped<WeixinUserDirectory>();
        return services;
    }
}
