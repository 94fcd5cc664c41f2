using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Data;

/// <summary>
/// The key ring lives in the CRM database: two CrmApp instances on one database (behind a load balancer) accept each
/// other's sign-in and antiforgery cookies.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class DataProtectionKeysTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task Cookies_IssuedByOneInstance_AreAcceptedByAnotherOnTheSameDatabase()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "共钥", Password);
        // Note: a home folder of its own, as on another machine: keys kept in ~/.aspnet/DataProtection-Keys would be
        // shared by accident between two processes of one user on one host, and hide the defect this test is about.
        var home = Directory.CreateTempSubdirectory("crm-other-home-");
        try
        {
            await using var other = await System.StartAnotherInstanceAsync("crm-other", new Dictionary<string, string> { ["HOME"] = home.FullName });
            using var browser = new CrmBrowser(System);
            using var anonymous = await browser.Http.GetAsync(new Uri(other.BaseAddress, "/customers"));
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode); // the page needs a sign-in there too

            // Signed in on the first instance, the same browser goes on to the second.
            var signedIn = await browser.SignInWithPasswordAsync(userName, Password);
            Assert.Contains("共钥，您好", signedIn.Text);
            using var there = await browser.Http.GetAsync(new Uri(other.BaseAddress, "/customers"));
            Assert.Equal(HttpStatusCode.OK, there.StatusCode);
            Assert.Contains("共钥，您好", WebUtility.HtmlDecode(await there.Content.ReadAsStringAsync()));

            // And back: a form served by the second instance (its antiforgery cookie and token) is accepted by the first.
            using var fresh = new CrmBrowser(System);
            using var form = await fresh.Http.GetAsync(new Uri(other.BaseAddress, "/login"));
            var token = CrmBrowser.Token(await form.Content.ReadAsStringAsync());
            Assert.NotNull(token);
            using var content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.UserName"] = userName,
                ["Input.Password"] = Password,
                ["__RequestVerificationToken"] = token,
            });
            using var signIn = await fresh.Http.PostAsync(fresh.Url("/login"), content);
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            Assert.Contains("共钥，您好", (await fresh.OpenAsync("/customers")).Text);
        }
        finally
        {
            home.Delete(recursive: true);
        }

        Assert.NotEmpty(await System.QueryAsync("SELECT id FROM data_protection_keys"));
    }
}
