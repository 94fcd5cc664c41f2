using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>
/// Checks a <see cref="SendMessageRequest"/> field by field, with WeChat's limits (a typed template keyword by
/// <see cref="TemplateKeywordRules"/>), before anything is queued.
/// </summary>
public static class SendMessageValidator
{
    /// <summary>Longest template field value WeChat takes (characters).</summary>
    public const int MaxFieldLength = 200;

    /// <summary>Longest customer-service text (characters).</summary>
    public const int MaxTextLength = 2048;

    /// <summary>Each bad field (JSON path) with what is wrong; empty when the request is valid.</summary>
    public static Dictionary<string, string> Validate(SendMessageRequest? request)
    {
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request is null)
        {
            problems["body"] = "A JSON body is required.";
            return problems;
        }

        if (string.IsNullOrEmpty(request.IdempotencyKey) || request.IdempotencyKey.Length > 64
            || !request.IdempotencyKey.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
        {
            problems["idempotencyKey"] = "idempotencyKey must be 1–64 characters of A–Z a–z 0–9 - _ . :";
        }

        if (string.IsNullOrEmpty(request.OpenId) || request.OpenId.Length > 64 || !request.OpenId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            problems["openId"] = "openId must be 1–64 characters of A–Z a–z 0–9 - _ (a WeChat openid).";
        }

        if ((request.Template is null) == (request.CustomerService is null))
        {
            problems["template"] = "Exactly one of template and customerService must be given.";
            return problems;
        }

        if (request.Template is { } template)
        {
            ValidateTemplate(template, "template", problems);
        }
        else
        {
            ValidateCustomerService(request.CustomerService!, problems);
        }

        return problems;
    }

    private static void ValidateTemplate(TemplateMessage template, string path, Dictionary<string, string> problems)
    {
        if (string.IsNullOrWhiteSpace(template.TemplateId) || template.TemplateId.Length > 128 || !template.TemplateId.All(char.IsAscii))
        {
            problems[$"{path}.templateId"] = "templateId is required (the template's id in the account's backend, at most 128 ASCII characters).";
        }

        if (template.Data is null || template.Data.Count == 0)
        {
            problems[$"{path}.data"] = "data must name at least one field (thing1, time2, …: the template's keywords).";
        }
        else
        {
            foreach (var (name, field) in template.Data)
            {
                var fieldPath = $"{path}.data.{name}";
                if (name.Length is 0 or > 32 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                {
                    problems[fieldPath] = "Field names are 1–32 characters of A–Z a–z 0–9 _.";
                }
                else if (field?.Value is null)
                {
                    problems[fieldPath + ".value"] = "value is required.";
                }
                else if (field.Value.Length > MaxFieldLength)
                {
                    problems[fieldPath + ".value"] = $"value is longer than {MaxFieldLength} characters ({field.Value.Length}).";
                }
                else if (TemplateKeywordRules.Problem(name, field.Value) is { } typed)
                {
                    // Note: a category template's keyword is typed by its name; WeChat refuses a value that breaks the type.
                    problems[fieldPath + ".value"] = typed;
                }
                else if (field.Color is { } color && !IsColor(color))
                {
                    problems[fieldPath + ".color"] = "color must be #RRGGBB.";
                }
            }
        }

        if (template.Url is not null && !IsHttpUrl(template.Url))
        {
            problems[$"{path}.url"] = "url must be an absolute http(s) URL of at most 1024 characters.";
        }
    }

    private static void ValidateCustomerService(CustomerServiceMessage message, Dictionary<string, string> problems)
    {
        if ((message.Text is null) == (message.News is null))
        {
            problems["customerService"] = "Exactly one of customerService.text and customerService.news must be given.";
        }
        else if (message.Text is { } text)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                problems["customerService.text"] = "text must not be empty.";
            }
            else if (text.Length > MaxTextLength)
            {
                problems["customerService.text"] = $"text is longer than {MaxTextLength} characters ({text.Length}).";
            }
        }
        else
        {
            var news = message.News!;
            if (string.IsNullOrWhiteSpace(news.Title) || news.Title.Length > 64)
            {
                problems["customerService.news.title"] = "title is required, at most 64 characters.";
            }

            if (news.Description is { Length: > 512 })
            {
                problems["customerService.news.description"] = "description is at most 512 characters.";
            }

            if (!IsHttpUrl(news.Url))
            {
                problems["customerService.news.url"] = "url must be an absolute http(s) URL of at most 1024 characters.";
            }

            if (news.PicUrl is not null && !IsHttpUrl(news.PicUrl))
            {
                problems["customerService.news.picUrl"] = "picUrl must be an absolute http(s) URL of at most 1024 characters.";
            }
        }

        if (message.FallbackTemplate is { } fallback)
        {
            ValidateTemplate(fallback, "customerService.fallbackTemplate", problems);
        }
    }

    private static bool IsColor(string color) =>
        color.Length == 7 && color[0] == '#' && color.Skip(1).All(char.IsAsciiHexDigit);

    private static bool IsHttpUrl(string? url) =>
        url is { Length: > 0 and <= 1024 } && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
