using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Login;

/// <summary>A system whose simulator still redirects after a refusal (<c>Simulator__DenyRedirects=true</c>, the old documented answer).</summary>
public sealed class DenyRedirectFixture : IAsyncLifetime
{
    public LoginSystem System { get; private set; } = null!;

    public async Task InitializeAsync() =>
        System = await LoginSystem.StartAsync(new LoginSystemSettings { WeixinDenyRedirects = true }, "deny-redirect");

    public async Task DisposeAsync() => await System.DisposeAsync();
}

/// <summary>The product under the older WeChat behaviour: a refusal that does come back (state, no code).</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DenyRedirectTests(DenyRedirectFixture fixture) : IClassFixture<DenyRedirectFixture>
{
    private LoginSystem System => fixture.System;

    [Fact]
    public async Task Login_ConsentDeniedWithRedirect_RedirectsToLoginPageWithDenied()
    {
        var openId = await System.AddWeixinUserAsync("拒绝者");
        using var browser = System.NewBrowser();

        var attempt = await browser.StartLoginAsync(openId, allow: false);
        var outcome = await browser.WaitForResultAsync(attempt.ItemId);

        Assert.DoesNotContain("code=", attempt.CallbackUrl.Query);
        Assert.Equal("done", outcome.State);
        Assert.Equal(LoginErrors.Denied, outcome.Error);
        Assert.StartsWith(new Uri(System.Landing.BaseAddress, "/login").ToString(), outcome.RedirectUrl);
        Assert.Null(outcome.Ticket);
    }
}
