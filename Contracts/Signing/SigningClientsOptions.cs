using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.Contracts.Signing;

/// <summary>One application allowed to call a signed API, with its own keys (<c>…:Clients:N</c>).</summary>
public sealed class SigningClient
{
    /// <summary>What a client id may look like.</summary>
    public const string IdRule = "A client id is 1 to 32 characters: a lower-case letter first, then lower-case letters, digits or '-' (e.g. crm).";

    /// <summary><see cref="IdRule"/> in Chinese.</summary>
    public const string IdRuleChinese = "必须是 1 到 32 个字符：小写字母开头，其后为小写字母、数字或 '-'（如 crm）";

    /// <summary><see cref="IdRule"/> in Chinese and English, for configuration checks.</summary>
    public const string IdRuleBilingual = IdRuleChinese + " / " + IdRule;

    /// <summary>The client id the application sends in <see cref="SignedRequestHeaders.Client"/>, e.g. <c>crm</c>. Required.</summary>
    public string Id { get; set; } = "";

    /// <summary>The client's active keys (one, or two during a rotation), each at least 32 characters. Required.</summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>True when <paramref name="id"/> has the shape of a client id (see <see cref="IdRule"/>).</summary>
    // Note: no '.' and a letter first keep the signed string unambiguous (RequestSignature), and the shape keeps a
    // claimed id that is logged from an unauthenticated request short and plain.
    public static bool IsValidId(string? id) =>
        id is { Length: >= 1 and <= 32 } && char.IsAsciiLetterLower(id[0]) && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}

/// <summary>
/// Keys of a signed API that several applications call, each with keys of its own (for example
/// <c>GatewaySigning:Clients:0:Id=crm</c>, <c>GatewaySigning:Clients:0:Keys:0</c>, <c>…:Keys:1</c> during a rotation).
/// A request names its client (<see cref="SignedRequestHeaders.Client"/>) and is verified with that client's keys only.
/// </summary>
public sealed class SigningClientsOptions : IValidatableObject
{
    /// <summary>The applications allowed to call. No default: at least one must be configured.</summary>
    public List<SigningClient> Clients { get; set; } = [];

    /// <summary>Allowed clock difference between signer and verifier. Default 300 s.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Name of the configuration section, for the validation messages (set by the registration).</summary>
    internal string Section { get; set; } = "Signing";

    /// <summary>The client named <paramref name="id"/>, or null.</summary>
    public SigningClient? Find(string? id) =>
        string.IsNullOrEmpty(id) ? null : Clients.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.Ordinal));

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Clients.Count == 0)
        {
            yield return new ValidationResult(
                $"至少要设置一个客户端（{Section}:Clients:0:Id 和 {Section}:Clients:0:Keys:0） / No client is configured: set {Section}:Clients:0:Id (e.g. crm) and {Section}:Clients:0:Keys:0 (the key that application signs with, at least {SigningOptions.MinimumKeyLength} characters).",
                ["Clients:0:Id"]);
        }

        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Clients.Count; i++)
        {
            var client = Clients[i];
            var name = $"{Section}:Clients:{i}";
            if (!SigningClient.IsValidId(client.Id))
            {
                yield return new ValidationResult($"未设置或格式不对，{SigningClient.IdRuleChinese} / {name}:Id is missing or malformed. {SigningClient.IdRule}", [$"Clients:{i}:Id"]);
            }
            else if (Clients.Take(i).Any(c => c.Id == client.Id))
            {
                yield return new ValidationResult($"客户端 id 重复 / {name}:Id '{client.Id}' is configured twice; every client id must be unique.", [$"Clients:{i}:Id"]);
            }

            if (client.Keys.Count is 0 or > 2)
            {
                yield return new ValidationResult($"必须有一个密钥，轮换期间两个 / {name}:Keys must hold one key, or two during a rotation (current and next).", [$"Clients:{i}:Keys"]);
            }

            foreach (var key in client.Keys)
            {
                if (string.IsNullOrWhiteSpace(key) || key.Length < SigningOptions.MinimumKeyLength)
                {
                    yield return new ValidationResult($"每个密钥至少 {SigningOptions.MinimumKeyLength} 个字符 / Every key of {name}:Keys must have at least {SigningOptions.MinimumKeyLength} characters.", [$"Clients:{i}:Keys"]);
                }
                else if (!seenKeys.Add(key))
                {
                    // Note: a key shared by two clients would let either pass as the other; each application gets its own.
                    yield return new ValidationResult($"与另一个客户端的密钥相同，每个客户端须有自己的密钥 / A key of {name}:Keys is also configured for another client; every client needs keys of its own.", [$"Clients:{i}:Keys"]);
                }
            }
        }
    }
}
