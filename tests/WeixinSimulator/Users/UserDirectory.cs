using Microsoft.Extensions.Options;

namespace Weixin.Inbox.WeixinSimulator.Users;

/// <summary>The test users, seeded from <see cref="SimulatorOptions.Users"/>, changed through the control API.</summary>
internal sealed class UserDirectory
{
    private readonly Lock _gate = new();
    // Note: a list keeps the configured order, so the authorize page always lists 张三 before 李四.
    private readonly List<TestUser> _users;

    public UserDirectory(IOptions<SimulatorOptions> options)
    {
        var configured = options.Value.Users;
        _users = configured.Count > 0 ? [.. configured] : [.. SimulatorOptions.DefaultUsers];
    }

    public IReadOnlyList<TestUser> All()
    {
        lock (_gate)
        {
            return [.. _users];
        }
    }

    /// <summary>The first listed user, the one <c>sim_auto=allow</c> logs in without <c>sim_user</c>.</summary>
    public TestUser? First()
    {
        lock (_gate)
        {
            return _users.Count > 0 ? _users[0] : null;
        }
    }

    public TestUser? Find(string? openId)
    {
        if (string.IsNullOrEmpty(openId))
        {
            return null;
        }

        lock (_gate)
        {
            return _users.Find(u => string.Equals(u.OpenId, openId, StringComparison.Ordinal));
        }
    }

    /// <summary>Adds the user, or replaces the one with the same openid in place.</summary>
    public void Upsert(TestUser user)
    {
        lock (_gate)
        {
            var index = _users.FindIndex(u => string.Equals(u.OpenId, user.OpenId, StringComparison.Ordinal));
            if (index >= 0)
            {
                _users[index] = user;
            }
            else
            {
                _users.Add(user);
            }
        }
    }
}
