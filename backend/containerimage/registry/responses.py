"""What a registry's HTTP answer says, in words for a message: its Distribution error body, the reason a
connection failed, the next page of a paged list."""

import re
import urllib.parse

import requests

from ..errors import connection_failure, root_cause

_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def next_page(link_header):
    """The URL of the next page from a Link header, or None."""
    match = _NEXT_LINK.search(link_header or "")
    return match.group(1) if match else None


def path_of(url):
    return urllib.parse.urlsplit(url).path


def origin(url):
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def reason(exc):
    """Why a connection failed, in words (never an exception's own text)."""
    if exc is None:
        return "no answer"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS failed: {root_cause(exc)}"
    return connection_failure(exc) or root_cause(exc)


def error_codes(response):
    """The codes of a Distribution error body ({"errors": [{"code", "message"}]}), e.g. ['MANIFEST_UNKNOWN']."""
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return []
    return [e.get("code") for e in errors if isinstance(e, dict) and e.get("code")]


def error_detail(response):
    """': message' from a Distribution error body, else ''."""
    try:
        errors = response.json().get("errors") or []
        messages = [e.get("message") or e.get("code") for e in errors if isinstance(e, dict)]
    except (ValueError, AttributeError):
        return ""
    return ": " + "; ".join(m for m in messages if m) if any(messages) else ""
