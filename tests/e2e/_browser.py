"""A headless user agent for the provider's browser-facing pages.

The test provider resolves login and consent by itself (a chain of 303 redirects), so a
cookie-keeping ``requests.Session`` that follows ``Location`` by hand is enough to play
the browser: it stops at the client's redirect URI without ever calling it. The device
flow (RFC 8628 §3.3) adds two small HTML forms, which are parsed and submitted here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_HOPS = 20
TIMEOUT_S = 10


class BrowserError(AssertionError):
    """The provider's pages did not lead where a browser would have gone."""


@dataclass
class Form:
    """One HTML form: where it posts and the values of its ``<input>`` elements."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._open = Form(values.get("action", ""), values.get("method", "get").lower())
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and values.get("name"):
            self._open.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms_of(html: str) -> list[Form]:
    """Return every form of an HTML page, in document order."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def follow_to_redirect_uri(browser: requests.Session, url: str, redirect_uri: str) -> str:
    """GET ``url`` and follow redirects until one points at ``redirect_uri``; return it.

    The redirect URI itself is never requested: the returned URL is the callback a
    real browser would have delivered to the client (code, state, iss or error).
    """
    response = browser.get(url, allow_redirects=False, timeout=TIMEOUT_S)
    return _follow(browser, response, redirect_uri)


def confirm_device(browser: requests.Session, verification_uri_complete: str) -> str:
    """Approve a device authorization as the user; return the final page's HTML.

    The provider first serves an auto-submitting form carrying the user code, then a
    confirmation form; after that it runs the usual login/consent redirects and ends on
    a success page.
    """
    page = browser.get(verification_uri_complete, allow_redirects=False, timeout=TIMEOUT_S)
    page = _submit_only_form(browser, page)
    page = _submit_only_form(browser, page)
    for _ in range(MAX_HOPS):
        if page.status_code not in REDIRECTS:
            break
        page = browser.get(_location(page), allow_redirects=False, timeout=TIMEOUT_S)
    else:
        raise BrowserError("device confirmation: too many redirects")
    if page.status_code != 200:
        raise BrowserError(f"device confirmation ended with HTTP {page.status_code}")
    return page.text


def query_params(callback_url: str) -> dict[str, str]:
    """Return the query parameters of a URL (one value each)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(callback_url).query).items()}


def _follow(browser: requests.Session, response: requests.Response, redirect_uri: str) -> str:
    for _ in range(MAX_HOPS):
        if response.status_code not in REDIRECTS:
            raise BrowserError(
                f"HTTP {response.status_code} at {urlsplit(response.url).path} before"
                f" reaching the redirect URI: {response.text[:300]}"
            )
        location = _location(response)
        if _same_endpoint(location, redirect_uri):
            return location
        response = browser.get(location, allow_redirects=False, timeout=TIMEOUT_S)
    raise BrowserError("too many redirects before reaching the redirect URI")


def _submit_only_form(browser: requests.Session, page: requests.Response) -> requests.Response:
    if page.status_code != 200:
        raise BrowserError(f"expected a form page, got HTTP {page.status_code}")
    forms = forms_of(page.text)
    if len(forms) != 1:
        raise BrowserError(f"expected one form, found {len(forms)}")
    form = forms[0]
    target = urljoin(page.url, form.action or page.url)
    if form.method != "post":
        raise BrowserError(f"expected a POST form, found {form.method}")
    return browser.post(target, data=form.fields, allow_redirects=False, timeout=TIMEOUT_S)


def _location(response: requests.Response) -> str:
    if "Location" not in response.headers:
        raise BrowserError(f"HTTP {response.status_code} without Location")
    return urljoin(response.url, response.headers["Location"])


def _same_endpoint(url: str, redirect_uri: str) -> bool:
    a, b = urlsplit(url), urlsplit(redirect_uri)
    return (a.scheme, a.netloc, a.path) == (b.scheme, b.netloc, b.path)
