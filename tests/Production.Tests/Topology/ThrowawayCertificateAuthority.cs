using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Weixin.Inbox.Production.Tests.Topology;

/// <summary>
/// A CA made for one test run and a server certificate it signed for <c>localhost</c> / 127.0.0.1, written as PEM files
/// nginx reads. Clients trust this CA and nothing else: <see cref="CreateHandler"/> for the test's own requests, and
/// <see cref="ChildProcessEnvironment"/> for .NET child processes (pollers, simulator).
/// </summary>
public sealed class ThrowawayCertificateAuthority : IDisposable
{
    private ThrowawayCertificateAuthority(X509Certificate2 ca, string directory)
    {
        Certificate = ca;
        CaPemPath = Path.Combine(directory, "ca.pem");
        ServerCertPath = Path.Combine(directory, "server.pem");
        ServerKeyPath = Path.Combine(directory, "server.key");
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate alone (what a client trusts).</summary>
    public string CaPemPath { get; }

    /// <summary>The server certificate followed by the CA (nginx's <c>ssl_certificate</c>, a full chain).</summary>
    public string ServerCertPath { get; }

    /// <summary>The server's private key, PKCS#8 PEM (nginx's <c>ssl_certificate_key</c>).</summary>
    public string ServerKeyPath { get; }

    public static ThrowawayCertificateAuthority Create(string directory)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Weixin.Inbox throwaway test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        var authority = new ThrowawayCertificateAuthority(ca, directory);
        File.WriteAllText(authority.CaPemPath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(authority.ServerCertPath, server.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n");
        File.WriteAllText(authority.ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(authority.ServerKeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return authority;
    }

    /// <summary>
    /// Environment for a .NET child process that must trust this CA. Note: .NET on Linux reads its root store through
    /// OpenSSL, which honours <c>SSL_CERT_FILE</c> (and <c>SSL_CERT_DIR</c>, pointed at an empty directory here so the
    /// machine's CAs are NOT trusted as well: the child trusts exactly the CA the test made).
    /// </summary>
    public IReadOnlyDictionary<string, string> ChildProcessEnvironment(string emptyDirectory) => new Dictionary<string, string>
    {
        ["SSL_CERT_FILE"] = CaPemPath,
        ["SSL_CERT_DIR"] = emptyDirectory,
    };

    /// <summary>True when <paramref name="certificate"/> chains to this CA (and only this CA) and names the host asked for.</summary>
    public bool Validates(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>
    /// A handler that trusts this CA only. <paramref name="sourceAddress"/> makes the connection leave from another
    /// loopback address (127.0.0.0/8 is all local on Linux), so nginx's allow-lists can tell "the office" or "the
    /// internet" from the LAN poller on one machine.
    /// </summary>
    public SocketsHttpHandler CreateHandler(IPAddress? sourceAddress = null, CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Validates(certificate, errors);
        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(sourceAddress ?? IPAddress.Loopback, 0));
                // Note: "localhost" is the certificate's name and the SNI; the connection always goes to 127.0.0.1.
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
        return handler;
    }

    public void Dispose() => Certificate.Dispose();
}
