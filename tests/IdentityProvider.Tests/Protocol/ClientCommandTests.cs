using System.Net;
using System.Text.RegularExpressions;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary><c>oidc-client add</c>: a client registered by command, its secret printed once and stored only as a hash.</summary>
[Collection(IdpCollection.Name)]
public sealed partial class ClientCommandTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Fact]
    public async Task AddedClient_GetsAGeneratedSecretStoredOnlyHashed_AndCanLogIn()
    {
        var id = "cmd" + AuthorizeRequest.Random(4).Replace('-', 'x').Replace('_', 'y').ToLowerInvariant();
        var redirect = "http://127.0.0.1:1/" + id + "/signin-oidc";

        var added = await System.RunCommandAsync("oidc-client", "add", "--id", id, "--name", "命令应用", "--redirect-uri", redirect);
        var again = await System.RunCommandAsync("oidc-client", "add", "--id", id, "--name", "命令应用", "--redirect-uri", redirect);

        Assert.True(added.ExitCode == 0, added.Output);
        var secret = Secret().Match(added.StandardOutput).Groups[1].Value;
        Assert.True(secret.Length >= 40, added.Output);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("已存在", again.Output);
        var rows = await System.Login.Database.QueryAsync(System.IdpDatabase, "SELECT ClientSecret FROM oidc_applications WHERE ClientId = @id", ("@id", id));
        var stored = Assert.Single(rows)["ClientSecret"] as string;
        Assert.False(string.IsNullOrEmpty(stored));
        Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);

        var client = new IdpClient(id, secret, redirect, "", "命令应用");
        var openId = await System.Login.AddWeixinUserAsync("韩命令");
        using var browser = new OidcBrowser(System);
        var request = AuthorizeRequest.For(client);
        var callback = await browser.LoginAsync(request, openId);
        var tokens = await browser.RedeemAsync(client, callback.Code!, request.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        var wrongSecret = await browser.RedeemAsync(client with { Secret = secret + "x" }, callback.Code!, request.Verifier);
        Assert.NotEqual(HttpStatusCode.OK, wrongSecret.Status);
    }

    [GeneratedRegex("client_secret: (\\S+)")]
    private static partial Regex Secret();
}
