"""SMS gateways: ``console`` for development, ``http`` for a real provider.

The ``http`` gateway speaks the shape most Kazakh SMS providers share: a JSON POST with an API token,
the recipient's number in digits, a registered sender name and the text; the reply is JSON with a
result code. Field names, where the token goes and what counts as success are settings, so a new
provider is a configuration change. Every message carries its outbox idempotency key as the message
id: a provider that honours it drops the copy we re-send when a worker died mid-request.

Only the standard library is used: one POST per message needs no HTTP client dependency.
"""
import json
import logging
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import deque

log = logging.getLogger(__name__)

GSM_SEGMENT, GSM_PART = 160, 153  # Latin text (GSM-7)
UCS2_SEGMENT, UCS2_PART = 70, 67  # any Cyrillic or Kazakh letter switches the whole text to UCS-2
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

DEFAULT_FIELDS = {"recipient": "recipient", "text": "text", "sender": "from", "message_id": "message_id"}
DEFAULT_SUCCESS = {"code": 0}


class SendFailed(Exception):
    """The gateway did not accept the message; the outbox will try again later."""


def segments(text: str) -> int:
    """How many SMS parts a text costs: Cyrillic texts up to 70 characters fit in one."""
    if set(text) <= GSM7:
        single, part = GSM_SEGMENT, GSM_PART
    else:
        single, part = UCS2_SEGMENT, UCS2_PART
    return 1 if len(text) <= single else -(-len(text) // part)


def digits(phone: str) -> str:
    """``+7 701 234 56 78`` → ``77012345678``: what providers expect."""
    return "".join(ch for ch in phone if ch in "0123456789")


class ConsoleGateway:
    """Development: prints the message and keeps the last ones in memory for a look."""

    name = "console"
    sent: deque = deque(maxlen=1000)

    def send(self, phone: str, text: str, message_id: str) -> None:
        sys.stdout.write(f"SMS {message_id} to {phone}: {text}\n")
        self.sent.append((phone, text, message_id))


class HttpGateway:
    name = "http"

    def __init__(self, url: str, token: str | None, sender: str, timeout: float,
                 fields: dict | None = None, success: dict | None = None, token_param: str | None = None):
        if not url:
            raise ValueError("SMS_HTTP_URL must be set for the http SMS backend")
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout
        self.fields = {**DEFAULT_FIELDS, **(fields or {})}
        self.success = DEFAULT_SUCCESS if success is None else success
        self.token_param = token_param

    def send(self, phone: str, text: str, message_id: str) -> None:
        payload = {
            self.fields["recipient"]: digits(phone), self.fields["text"]: text,
            self.fields["sender"]: self.sender, self.fields["message_id"]: message_id,
        }
        self._check(self._post(payload, message_id))

    def _post(self, payload: dict, message_id: str) -> dict:
        url, headers = self.url, {"Content-Type": "application/json", "Accept": "application/json",
                                  "Idempotency-Key": message_id}
        if self.token and self.token_param:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode({self.token_param: self.token})
        elif self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise SendFailed(f"HTTP {error.code}: {error.read()[:200]!r}") from None
        except (urllib.error.URLError, OSError) as error:  # refused, timed out, DNS
            raise SendFailed(f"provider unreachable: {error}") from None
        try:
            reply = json.loads(raw)
        except ValueError:
            raise SendFailed(f"provider reply is not JSON: {raw[:200]!r}") from None
        if not isinstance(reply, dict):
            raise SendFailed(f"unexpected provider reply: {raw[:200]!r}")
        return reply

    def _check(self, reply: dict) -> None:
        if reply.get("error"):
            raise SendFailed(f"provider error: {reply.get('error')}")
        for field, expected in self.success.items():
            if reply.get(field) != expected:
                detail = reply.get("message") or reply.get("error") or reply
                raise SendFailed(f"provider refused ({field}={reply.get(field)!r}): {detail}")


def gateway(config):
    """The configured SMS gateway (``SMS_BACKEND``: console | http)."""
    backend = config.get("SMS_BACKEND", "console")
    if backend == "console":
        return ConsoleGateway()
    if backend == "http":
        return HttpGateway(
            config.get("SMS_HTTP_URL"), config.get("SMS_HTTP_TOKEN"), config.get("SMS_HTTP_SENDER", "KEZEK"),
            float(config.get("SMS_HTTP_TIMEOUT", 10)), config.get("SMS_HTTP_FIELDS"),
            config.get("SMS_HTTP_SUCCESS"), config.get("SMS_HTTP_TOKEN_PARAM"),
        )
    raise ValueError(f"unknown SMS_BACKEND {backend!r}; use console or http")
