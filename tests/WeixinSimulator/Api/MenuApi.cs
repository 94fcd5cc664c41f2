using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Weixin.Inbox.WeixinSimulator.OAuth;

namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>menu/create, menu/get, menu/delete and get_current_selfmenu_info: the account's custom menu.</summary>
internal static partial class CgiBinApi
{
    private const int MaxTopButtons = 3;
    private const int MaxSubButtons = 5;
    private const int MaxTopNameBytes = 16;
    private const int MaxSubNameBytes = 60;
    private const int MaxKeyBytes = 128;
    private const int MaxUrlBytes = 1024;

    private static async Task<Ok<WeixinError>> CreateMenuAsync(
        [FromQuery(Name = "access_token")] string? accessToken, HttpRequest request, [AsParameters] ApiServices s, MenuStore menus)
    {
        const string endpoint = "menu/create";
        s.Stats.MenuCreate();
        if (s.CheckApiToken(endpoint, accessToken) is { } tokenFailure)
        {
            return tokenFailure;
        }

        if (await ReadJsonAsync(request) is not { ValueKind: JsonValueKind.Object } body)
        {
            return s.Fail(endpoint, WeixinErrors.DataFormatError);
        }

        var (menu, errcode) = ParseMenu(body);
        if (menu is null)
        {
            return s.Fail(endpoint, errcode);
        }

        menus.Set(menu);
        s.Logger.LogInformation("Custom menu created with {Count} top buttons", menu.Count);
        return TypedResults.Ok(WeixinAnswers.Ok);
    }

    /// <summary>The menu as created: <c>{"menu":{"button":[…]}}</c>; 46003 when there is none.</summary>
    private static Results<Ok<JsonObject>, Ok<WeixinError>> GetMenu(
        [FromQuery(Name = "access_token")] string? accessToken, [AsParameters] ApiServices s, MenuStore menus)
    {
        const string endpoint = "menu/get";
        if (s.CheckApiToken(endpoint, accessToken) is { } tokenFailure)
        {
            return tokenFailure;
        }

        if (menus.Current is not { } menu)
        {
            return s.Fail(endpoint, WeixinErrors.MenuNotExist);
        }

        var buttons = new JsonArray([.. menu.Select(b => (JsonNode)ButtonJson(b, selfMenuInfo: false))]);
        return TypedResults.Ok(new JsonObject { ["menu"] = new JsonObject { ["button"] = buttons } });
    }

    private static Ok<WeixinError> DeleteMenu(
        [FromQuery(Name = "access_token")] string? accessToken, [AsParameters] ApiServices s, MenuStore menus)
    {
        if (s.CheckApiToken("menu/delete", accessToken) is { } tokenFailure)
        {
            return tokenFailure;
        }

        menus.Set(null);
        return TypedResults.Ok(WeixinAnswers.Ok);
    }

    /// <summary>
    /// The menu in get_current_selfmenu_info's shape: <c>is_menu_open</c> and sub-buttons under <c>sub_button.list</c>.
    /// </summary>
    private static Results<Ok<JsonObject>, Ok<WeixinError>> GetCurrentSelfMenuInfo(
        [FromQuery(Name = "access_token")] string? accessToken, [AsParameters] ApiServices s, MenuStore menus)
    {
        if (s.CheckApiToken("get_current_selfmenu_info", accessToken) is { } tokenFailure)
        {
            return tokenFailure;
        }

        var menu = menus.Current;
        var buttons = new JsonArray([.. (menu ?? []).Select(b => (JsonNode)ButtonJson(b, selfMenuInfo: true))]);
        return TypedResults.Ok(new JsonObject
        {
            ["is_menu_open"] = menu is null ? 0 : 1,
            ["selfmenu_info"] = new JsonObject { ["button"] = buttons },
        });
    }

    private static JsonObject ButtonJson(MenuButton button, bool selfMenuInfo)
    {
        var json = new JsonObject();
        if (button.Type is not null)
        {
            json["type"] = button.Type;
        }

        json["name"] = button.Name;
        if (button.Key is not null)
        {
            json["key"] = button.Key;
        }

        if (button.Url is not null)
        {
            json["url"] = button.Url;
        }

        if (button.SubButtons.Count > 0 || button.Type is null)
        {
            var subs = new JsonArray([.. button.SubButtons.Select(b => (JsonNode)ButtonJson(b, selfMenuInfo))]);
            json["sub_button"] = selfMenuInfo ? new JsonObject { ["list"] = subs } : subs;
        }

        return json;
    }

    /// <summary>The validated menu, or null and WeChat's errcode for the first problem found.</summary>
    private static (List<MenuButton>? Menu, int Errcode) ParseMenu(JsonElement body)
    {
        if (!body.TryGetProperty("button", out var top) || top.ValueKind != JsonValueKind.Array
            || top.GetArrayLength() is < 1 or > MaxTopButtons)
        {
            return (null, WeixinErrors.InvalidButtonSize);
        }

        var menu = new List<MenuButton>();
        foreach (var element in top.EnumerateArray())
        {
            var name = Text(element, "name");
            if (string.IsNullOrEmpty(name) || Encoding.UTF8.GetByteCount(name) > MaxTopNameBytes)
            {
                return (null, WeixinErrors.InvalidButtonNameSize);
            }

            if (element.GetPropertyOrDefault("sub_button") is { ValueKind: JsonValueKind.Array } subArray && subArray.GetArrayLength() > 0)
            {
                if (subArray.GetArrayLength() > MaxSubButtons)
                {
                    return (null, WeixinErrors.InvalidSubButtonSize);
                }

                var subs = new List<MenuButton>();
                foreach (var subElement in subArray.EnumerateArray())
                {
                    var subName = Text(subElement, "name");
                    if (string.IsNullOrEmpty(subName) || Encoding.UTF8.GetByteCount(subName) > MaxSubNameBytes)
                    {
                        return (null, WeixinErrors.InvalidSubButtonNameSize);
                    }

                    var (sub, subErrcode) = ParseLeaf(subElement, subName, isSub: true);
                    if (sub is null)
                    {
                        return (null, subErrcode);
                    }

                    subs.Add(sub);
                }

                menu.Add(new MenuButton(null, name, null, null, subs));
                continue;
            }

            var (button, errcode) = ParseLeaf(element, name, isSub: false);
            if (button is null)
            {
                return (null, errcode);
            }

            menu.Add(button);
        }

        return (menu, 0);
    }

    private static (MenuButton? Button, int Errcode) ParseLeaf(JsonElement element, string name, bool isSub)
    {
        switch (Text(element, "type"))
        {
            case "click":
                var key = Text(element, "key");
                return string.IsNullOrEmpty(key) || Encoding.UTF8.GetByteCount(key) > MaxKeyBytes
                    ? (null, isSub ? WeixinErrors.InvalidSubButtonKeySize : WeixinErrors.InvalidButtonKeySize)
                    : (new MenuButton("click", name, key, null, []), 0);
            case "view":
                var url = Text(element, "url");
                return string.IsNullOrEmpty(url) || Encoding.UTF8.GetByteCount(url) > MaxUrlBytes
                    || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                    ? (null, isSub ? WeixinErrors.InvalidSubButtonUrlSize : WeixinErrors.InvalidButtonUrlSize)
                    : (new MenuButton("view", name, null, url, []), 0);
            default:
                return (null, isSub ? WeixinErrors.InvalidSubButtonType : WeixinErrors.InvalidButtonType);
        }
    }
}
