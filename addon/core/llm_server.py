"""A plan draft from any OpenAI-compatible chat server (Ollama, llama.cpp, vLLM, transformers serve).

Loopback servers are always allowed; any other host only when Blender's online access is on,
checked before a socket is opened. The request goes straight to that host: no proxy from the
environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) is used, and a redirect is an error naming its
target, never followed, so nothing leaves for a host that was not checked. The request carries
the draft's JSON Schema as ``response_format`` (servers that constrain decoding honour it); a
server that refuses the field is asked again without it. Every answer is parsed and checked; a
bad one gets one repair round (the errors are sent back), then the caller falls back to the
rule-based director.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request

from .draft import parse_draft
from .plan import PlanError
from .validation import BadInput

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class PlannerUnavailable(PlanError):
    """The server could not be reached or did not answer usefully; the message says which."""


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost: it could resolve anywhere


def check_endpoint(url: str, online_access: bool) -> str:
    """The chat-completions URL for ``url``; refuses a remote host while online access is off."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"The planner server {url!r} is not an http(s) URL (e.g. http://127.0.0.1:11434).")
    if not is_loopback(parts.hostname) and not online_access:
        raise BadInput(
            f"The planner server {parts.hostname} is not on this machine and online access is off "
            "(Preferences > System > Network): nothing was sent. Use a local server or allow online access."
        )
    path = parts.path.rstrip("/")
    if not path.endswith("/chat/completions"):
        path = (path if path.endswith("/v1") else f"{path}/v1") + "/chat/completions"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A 30x answer ends the request: its target was never checked against online access."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        fp.close()
        raise PlannerUnavailable(_redirect_message(req.full_url, code, newurl))


def _redirect_message(endpoint: str, code: int, target: str) -> str:
    return (
        f"The planner server at {endpoint} redirected ({code}) to {target or 'nowhere named'}: "
        "Storyloom does not follow redirects, so nothing was sent there. "
        "Set the planner server to the address that answers."
    )


# No ProxyHandler from the environment (an empty one means no proxy at all) and no redirects:
# the only host contacted is the one check_endpoint allowed.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _RefuseRedirects())


def _post(endpoint: str, body: dict, timeout: float, api_key: str) -> dict:
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(endpoint, data=json.dumps(body).encode("utf-8"), headers=headers)
    with _OPENER.open(request, timeout=timeout) as response:  # the host was checked above
        return json.loads(response.read().decode("utf-8"))


def _answer(endpoint: str, body: dict, timeout: float, api_key: str) -> str:
    try:
        try:
            reply = _post(endpoint, body, timeout, api_key)
        except urllib.error.HTTPError as error:
            if error.code not in (400, 422) or "response_format" not in body:
                raise
            # The server does not take response_format: ask again; validation still guards the answer.
            reply = _post(
                endpoint, {k: v for k, v in body.items() if k != "response_format"}, timeout, api_key
            )
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:  # a 30x the redirect handler does not see (300, 304, 305)
            location = error.headers.get("Location", "") if error.headers else ""
            raise PlannerUnavailable(_redirect_message(endpoint, error.code, location)) from None
        raise PlannerUnavailable(f"The planner server at {endpoint} did not answer: {error}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise PlannerUnavailable(f"The planner server at {endpoint} did not answer: {error}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise PlannerUnavailable(
            f"The planner server at {endpoint} sent something that is not JSON: {error}"
        ) from None
    try:
        return str(reply["choices"][0]["message"]["content"] or "")
    except (KeyError, IndexError, TypeError):
        raise PlannerUnavailable(f"The planner server at {endpoint} sent no chat answer.") from None


def draft_from_server(
    url: str,
    model: str,
    chat: list[dict],
    schema: dict,
    online_access: bool,
    timeout: float = 120.0,
    max_tokens: int = 4096,
    api_key: str = "",
    repairs: int = 1,
) -> dict:
    """A checked draft from the server, after at most ``repairs`` repair rounds."""
    endpoint = check_endpoint(url, online_access)
    body = {
        "model": model,
        "messages": list(chat),
        "max_tokens": max_tokens,
        "temperature": 0.7,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "storyloom_draft", "schema": schema},
        },
    }
    for attempt in range(repairs + 1):
        text = _answer(endpoint, body, timeout, api_key)
        try:
            return parse_draft(text)
        except PlanError as error:
            if attempt == repairs:
                raise PlannerUnavailable(f"The planner's answers were not a valid draft: {error}") from None
            body["messages"] = [
                *body["messages"],
                {"role": "assistant", "content": text[:4000]},
                {"role": "user", "content": f"That answer is not valid ({error}). Reply with the JSON only."},
            ]
    raise AssertionError("unreachable")
