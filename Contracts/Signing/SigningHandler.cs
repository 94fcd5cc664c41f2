using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.Contracts.Signing;

/// <summary>
/// Signs every outgoing request with the first configured key (an <see cref="HttpClient"/> handler), naming the
/// options' <see cref="SigningOptions.ClientId"/> when one is set.
/// </summary>
public sealed class SigningHandler(IOptionsMonitor<SigningOptions> options, string optionsName, TimeProvider time) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var signing = options.Get(optionsName);
        var key = RequestSignature.KeyBytes(signing.Keys[0]);
        var client = string.IsNullOrEmpty(signing.ClientId) ? null : signing.ClientId;
        var id = "req_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var target = request.RequestUri!.PathAndQuery;
        var signature = RequestSignature.Compute(key, client, id, timestamp, request.Method.Method, target, body);

        // Note: a retry of this request (resilience handler outside this one) passes here again and gets a fresh id.
        request.Headers.Remove(SignedRequestHeaders.Id);
        request.Headers.Remove(SignedRequestHeaders.Timestamp);
        request.Headers.Remove(SignedRequestHeaders.Signature);
        request.Headers.Remove(SignedRequestHeaders.Client);
        if (client is not null)
        {
            request.Headers.Add(SignedRequestHeaders.Client, client);
        }

        request.Headers.Add(SignedRequestHeaders.Id, id);
        request.Headers.Add(SignedRequestHeaders.Timestamp, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(SignedRequestHeaders.Signature, RequestSignature.Version + "," + signature);
        return await base.SendAsync(request, cancellationToken);
    }
}
