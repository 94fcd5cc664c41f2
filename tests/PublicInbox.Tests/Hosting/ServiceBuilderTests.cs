using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Weixin.Inbox.ServiceDefaults;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.PublicInbox.Tests.Hosting;

/// <summary>
/// The builder every service starts from (<see cref="ServiceDefaultsExtensions.CreateServiceBuilder"/>) is ASP.NET Core's
/// slim one, which on its own refuses an https:// address and has no regex route constraints. The identity provider
/// serves HTTPS from a PEM certificate in Kestrel's settings (docs/DEPLOY.md, deploy/env/idp.env.example) and the inbox
/// routes <c>MP_verify_</c> files with a regex: both must still work. A real Kestrel on 127.0.0.1 with a throwaway
/// certificate, configured exactly as the env files do (Kestrel:Certificates:Default:Path/KeyPath).
/// </summary>
public sealed class ServiceBuilderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wx-builder-").FullName;

    [Fact]
    public async Task HttpsFromKestrelSettings_AndRegexRoutes_Work()
    {
        using var certificate = ThrowawayCertificate();
        var certificatePath = Path.Combine(_directory, "cert.pem");
        var keyPath = Path.Combine(_directory, "key.pem");
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
        using (var key = certificate.GetRSAPrivateKey()!)
        {
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        var port = TestEnvironment.FreePort();
        var builder = ServiceDefaultsExtensions.CreateServiceBuilder(
        [
            "--urls", $"https://127.0.0.1:{port}",
            $"--Kestrel:Certificates:Default:Path={certificatePath}",
            $"--Kestrel:Certificates:Default:KeyPath={keyPath}",
        ]);
        await using var app = builder.Build();
        app.MapGet("/{name:regex(^MP_verify_[A-Za-z0-9]+\\.txt$)}", (string name) => Results.Text("file " + name));
        await app.StartAsync();

        using var handler = new HttpClientHandler
        {
            // Note: trust exactly the throwaway certificate, nothing else.
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint,
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}") };

        Assert.Equal("file MP_verify_abc123.txt", await http.GetStringAsync("/MP_verify_abc123.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/MP_verify_../x.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/other.txt")).StatusCode);
        await app.StopAsync();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static X509Certificate2 ThrowawayCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }
}
