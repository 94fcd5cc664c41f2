using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Weixin.Inbox.PublicInbox.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Admin;

/// <summary>Settings that change what /admin answers as a whole, each with an inbox process of its own; and the hash-password command.</summary>
public class AdminAccessTests
{
    [Fact]
    public async Task AllowedNetworks_RequestFromOutside_Gets403InChineseOnEveryAdminPath()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-netlist", new Dictionary<string, string?> { ["Admin__AllowedNetworks__0"] = "10.0.0.0/8" });
        using var client = inbox.NewClient();

        using var login = await client.GetAsync("/admin/login");
        using var dashboard = await client.GetAsync("/admin");
        using var post = await client.Http.PostAsync("/admin/login", new FormUrlEncodedContent([new("name", AdminInbox.AdminName), new("password", AdminInbox.AdminPassword)]));

        Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, dashboard.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        var html = await login.Content.ReadAsStringAsync();
        Assert.Contains("禁止访问", html);
        Assert.Contains("127.0.0.1", html);
        Assert.Empty(await inbox.QueryAsync("SELECT id FROM admin_audit_log"));
        using var health = await client.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode); // the rest of the inbox is not affected
        using var metrics = await client.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Forbidden, metrics.StatusCode); // ops signals only for the admins' networks
    }

    [Fact]
    public async Task AllowedNetworks_RequestFromInside_SignsIn()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-netok", new Dictionary<string, string?>
        {
            ["Admin__AllowedNetworks__0"] = "10.0.0.0/8",
            ["Admin__AllowedNetworks__1"] = "127.0.0.0/8",
        });

        using var client = await inbox.SignedInAsync();

        Assert.Contains("概览", await client.GetPageAsync("/admin"));
        using var metrics = await client.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("inbox_queue_depth", await metrics.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AllowedNetworks_BehindATrustedProxy_SeeTheForwardedClientAddress()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-proxy", new Dictionary<string, string?>
        {
            ["Admin__AllowedNetworks__0"] = "10.0.0.0/8",
            ["Inbox__TrustedProxies__0"] = "127.0.0.1",
        });
        using var inside = inbox.NewClient();
        inside.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "10.1.2.3");
        using var outside = inbox.NewClient();
        outside.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.9");

        using var allowed = await inside.GetAsync("/admin/login");
        using var refused = await outside.GetAsync("/admin/login");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("203.0.113.9", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AllowedNetworks_WithoutATrustedProxy_IgnoreAForgedForwardedFor()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-spoof", new Dictionary<string, string?> { ["Admin__AllowedNetworks__0"] = "10.0.0.0/8" });
        using var client = inbox.NewClient();
        client.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "10.1.2.3");

        using var response = await client.GetAsync("/admin/login");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task NoAdminConfigured_AdminExplainsAndTheInboxStillServes()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-noadmin", new Dictionary<string, string?>
        {
            ["Admin__Users__0__Name"] = null,
            ["Admin__Users__0__PasswordHash"] = null,
            ["Admin__Users__1__Name"] = null,
            ["Admin__Users__1__PasswordHash"] = null,
        });
        using var client = inbox.NewClient();

        using var admin = await client.GetAsync("/admin");
        using var login = await client.GetAsync("/admin/login");
        var (itemId, _) = await inbox.OAuthCallbackAsync("CODEnoadmin1", "STATEnoadmin1");

        Assert.Equal(HttpStatusCode.NotFound, admin.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, login.StatusCode);
        var html = await admin.Content.ReadAsStringAsync();
        Assert.Contains("管理后台未启用", html);
        Assert.Contains("Admin__Users__0__PasswordHash", html);
        Assert.True(itemId > 0);
    }

    [Fact]
    public async Task Start_WithMetadataDaysBelowPayloadDays_FailsWithAClearMessage()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AdminInbox.StartAsync("inbox-badretention", new Dictionary<string, string?>
        {
            ["Retention__PayloadDays"] = "30",
            ["Retention__MetadataDays"] = "10",
        }));

        Assert.Contains("Retention:MetadataDays (10) must be at least Retention:PayloadDays (30)", error.Message);
    }

    [Fact]
    public async Task Start_WithAPlainPasswordInsteadOfAHash_FailsWithAClearMessage()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AdminInbox.StartAsync("inbox-badhash", new Dictionary<string, string?>
        {
            ["Admin__Users__0__PasswordHash"] = "secret-password",
        }));

        Assert.Contains("needs a PasswordHash made by `dotnet PublicInbox.dll hash-password`", error.Message);
    }

    [Fact]
    public async Task HashPassword_PipedPassword_PrintsAHashThatVerifies()
    {
        var (exit, output, _) = await RunHashPasswordAsync("my-admin-password-42\n");

        Assert.Equal(0, exit);
        var hash = output.Trim();
        Assert.True(AdminPasswords.LooksLikeHash(hash));
        Assert.DoesNotContain("my-admin-password-42", output);
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<AdminUser>().VerifyHashedPassword(new AdminUser(), hash, "my-admin-password-42"));
        Assert.Equal(PasswordVerificationResult.Failed, new PasswordHasher<AdminUser>().VerifyHashedPassword(new AdminUser(), hash, "my-admin-password-43"));
    }

    [Fact]
    public async Task HashPassword_TooShortPassword_IsRefused()
    {
        var (exit, output, error) = await RunHashPasswordAsync("short\n");

        Assert.Equal(2, exit);
        Assert.Equal("", output.Trim());
        Assert.Contains("at least", error);
    }

    private static async Task<(int Exit, string Output, string Error)> RunHashPasswordAsync(string stdin)
    {
        var dll = TestEnvironment.ServiceDll("PublicInbox");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("hash-password");
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await output, await error);
    }
}
