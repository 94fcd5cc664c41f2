using Weixin.Inbox.Contracts.Weixin;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>
/// <c>IntranetPoller.dll weixin-crypt decrypt|encrypt …</c>: WeChat's safe-mode crypto for operators, e.g. to read a
/// stored safe-mode body. Prints only the result on stdout; exit code 0 done, 1 the input cannot be decrypted, 2 usage.
/// </summary>
public static class WeixinCryptCommand
{
    /// <summary>The command-line verb.</summary>
    public const string Verb = "weixin-crypt";

    /// <summary>Exit code of a decryption failure (wrong key, bad padding, another appid).</summary>
    public const int CryptoFailed = 1;

    /// <summary>Exit code of a usage error.</summary>
    public const int UsageError = 2;

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage:
          IntranetPoller weixin-crypt decrypt [--key <EncodingAESKey>] [--appid <appid>] <base64 | stored body XML | ->
          IntranetPoller weixin-crypt encrypt [--key <EncodingAESKey>] [--appid <appid>] <xml | ->

        decrypt  prints the plaintext XML of a safe-mode ciphertext; a whole stored body (<xml>…<Encrypt>…</Encrypt></xml>)
                 is accepted too. The appid inside the ciphertext must match --appid.
        encrypt  prints the base64 ciphertext of an XML message (random 16-byte prefix).
        -        reads the input from stdin.

        --key and --appid default to the configuration's Weixin:EncodingAESKey and Weixin:AppId
        (appsettings.json, environment Weixin__EncodingAESKey / Weixin__AppId).
        Exit codes: 0 done, 1 cannot decrypt (wrong key, bad padding, another appid), 2 usage error.
        """;

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> args, IConfiguration configuration, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Count == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Count == 0 ? UsageError : 0;
        }

        var action = args[0];
        if (action is not ("decrypt" or "encrypt"))
        {
            return Fail(stderr, $"unknown action '{action}' (expected decrypt or encrypt)");
        }

        string? key = null, appId = null, input = null;
        for (var i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--key" when i + 1 < args.Count:
                    key = args[++i];
                    break;
                case "--appid" when i + 1 < args.Count:
                    appId = args[++i];
                    break;
                case "--key" or "--appid":
                    return Fail(stderr, $"{args[i]} needs a value");
                case "-h" or "--help":
                    stdout.WriteLine(Usage);
                    return 0;
                default:
                    if (input is not null)
                    {
                        return Fail(stderr, "more than one input given (quote XML that contains spaces)");
                    }

                    input = args[i];
                    break;
            }
        }

        key ??= configuration[$"{WeixinOptions.Section}:{nameof(WeixinOptions.EncodingAESKey)}"];
        appId ??= configuration[$"{WeixinOptions.Section}:{nameof(WeixinOptions.AppId)}"];
        if (string.IsNullOrEmpty(key))
        {
            return Fail(stderr, "no key: pass --key or configure Weixin:EncodingAESKey");
        }

        if (string.IsNullOrEmpty(appId))
        {
            return Fail(stderr, "no appid: pass --appid or configure Weixin:AppId");
        }

        if (input is null)
        {
            return Fail(stderr, "no input given");
        }

        if (input == "-")
        {
            // Note: `echo … |` adds a line break that is not part of the message.
            input = stdin.ReadToEnd().TrimEnd('\r', '\n');
        }

        WeixinMessageCrypto crypto;
        try
        {
            crypto = new WeixinMessageCrypto(key, appId);
        }
        catch (ArgumentException)
        {
            // Note: the key itself is never echoed.
            return Fail(stderr, "the key must be the account's 43-character EncodingAESKey");
        }

        if (action == "encrypt")
        {
            stdout.WriteLine(crypto.Encrypt(input));
            return 0;
        }

        try
        {
            stdout.WriteLine(crypto.Decrypt(CiphertextOf(input.Trim())));
            return 0;
        }
        catch (Exception ex) when (ex is WeixinCryptoException or WeixinXmlException)
        {
            stderr.WriteLine("weixin-crypt: cannot decrypt: " + ex.Message);
            return CryptoFailed;
        }
    }

    private static string CiphertextOf(string input)
    {
        if (!input.StartsWith('<'))
        {
            return input;
        }

        // Note: a stored safe-mode body is the XML envelope; the ciphertext is its <Encrypt> element.
        return WeixinXml.ReadFields(input).TryGetValue("Encrypt", out var encrypted) && encrypted.Length > 0
            ? encrypted
            : throw new WeixinXmlException("the XML has no <Encrypt> element");
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine("weixin-crypt: " + message);
        stderr.WriteLine();
        stderr.WriteLine(Usage);
        return UsageError;
    }
}
