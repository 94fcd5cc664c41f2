using System.Globalization;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Retention;

/// <summary>
/// <c>oidc-prune</c> (what the prune job runs every <c>Oidc:PruneInterval</c>) on the real MariaDB: unusable tokens and
/// unused authorizations older than a day go, remembered consents and everything younger stay. OpenIddict's own prune
/// statements were refused by MariaDB ("LIMIT &amp; IN subquery"), so every run failed until this was ours.
/// </summary>
[Collection(IdpCollection.Name)]
public sealed class TokenPruneTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Fact]
    public async Task Prune_DeletesOldUnusableTokensAndUnusedAuthorizations_KeepsConsentsAndYoungRows()
    {
        var tag = "prune" + Guid.NewGuid().ToString("N")[..8];
        string Id(string name) => $"{tag}-{name}";
        var old = DateTime.UtcNow.AddDays(-2).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var young = DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var later = DateTime.UtcNow.AddDays(5).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var past = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        await System.Login.Database.ExecuteAsync(System.IdpDatabase, $"""
            INSERT INTO oidc_authorizations (Id, CreationDate, Status, Subject, Type) VALUES
              ('{Id("consent")}', '{old}', 'valid', 's', 'permanent'),
              ('{Id("revoked")}', '{old}', 'revoked', 's', 'permanent'),
              ('{Id("adhoc-empty")}', '{old}', 'valid', 's', 'ad-hoc'),
              ('{Id("adhoc-young")}', '{young}', 'valid', 's', 'ad-hoc');
            INSERT INTO oidc_tokens (Id, AuthorizationId, CreationDate, ExpirationDate, Status, Subject, Type) VALUES
              ('{Id("redeemed")}', '{Id("consent")}', '{old}', '{later}', 'redeemed', 's', 'authorization_code'),
              ('{Id("expired")}', '{Id("consent")}', '{old}', '{past}', 'valid', 's', 'access_token'),
              ('{Id("live")}', '{Id("consent")}', '{old}', '{later}', 'valid', 's', 'refresh_token'),
              ('{Id("of-revoked")}', '{Id("revoked")}', '{old}', '{later}', 'revoked', 's', 'refresh_token'),
              ('{Id("young-redeemed")}', '{Id("adhoc-young")}', '{young}', '{later}', 'redeemed', 's', 'authorization_code');
            """);

        var result = await System.RunCommandAsync("oidc-prune");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("pruned:", result.Output);
        var tokens = (await System.Login.Database.QueryAsync(System.IdpDatabase, $"SELECT Id FROM oidc_tokens WHERE Id LIKE '{tag}-%' ORDER BY Id"))
            .Select(r => (string)r["Id"]!).ToList();
        var authorizations = (await System.Login.Database.QueryAsync(System.IdpDatabase, $"SELECT Id FROM oidc_authorizations WHERE Id LIKE '{tag}-%' ORDER BY Id"))
            .Select(r => (string)r["Id"]!).ToList();
        Assert.Equal([Id("live"), Id("young-redeemed")], tokens);
        Assert.Equal([Id("adhoc-young"), Id("consent")], authorizations);

        var usage = await System.RunCommandAsync("oidc-prune", "--all");
        Assert.Equal(2, usage.ExitCode);
    }
}
