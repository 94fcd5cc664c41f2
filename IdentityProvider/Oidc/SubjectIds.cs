using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Weixin.Inbox.IdentityProvider.Oidc;

/// <summary>
/// The <c>sub</c> a client sees for a WeChat user. Pairwise (default): HMAC-SHA256 of the client's sector and the
/// openid under <see cref="OidcOptions.SubjectKey"/>, so two clients cannot join their users by <c>sub</c> and nobody
/// can turn a <c>sub</c> back into the openid; public: HMAC of the openid alone, the same for every client; the raw
/// openid only for a client configured so.
/// </summary>
public sealed class SubjectIds(IOptions<OidcOptions> options)
{
    /// <summary>20 bytes of the HMAC (160 bits, 27 base64url characters): far beyond collisions among one 公众号's users.</summary>
    public const int Bytes = 20;

    /// <summary>The <c>sub</c> of <paramref name="openId"/> for a client whose subject type and sector are given.</summary>
    public string For(string subjectType, string sector, string openId) => subjectType switch
    {
        SubjectTypes.OpenId => openId,
        SubjectTypes.Public => Public(openId),
        // Note: a separator no client id contains, so (sector, openid) pairs cannot run into each other.
        _ => Hash("pairwise\n" + sector + "\n" + openId),
    };

    /// <summary>The public id of <paramref name="openId"/> (the same for every client).</summary>
    public string Public(string openId) => Hash("public\n" + openId);

    private string Hash(string input)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.SubjectKey), Encoding.UTF8.GetBytes(input));
        return Base64UrlEncoder.Encode(mac.AsSpan(0, Bytes).ToArray());
    }
}
