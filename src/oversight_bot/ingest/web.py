"""Fetching publishers' pages and files over https (httpx): conditional GETs, limits, retries, links.

Every request, redirects included, goes only to an address the policy allows (https on the
allowed hosts); a response is refused unread when its content type is not what was expected or it
is larger than the limit, and counted as it streams in case the server does not say its length
(or compresses it). A server that does not answer, or answers 429 or 5xx, is tried again after a
wait that doubles (or as its Retry-After says), a few times, then reported unreachable; the wait
goes through `sleep`, which tests replace so that nothing waits for real. Nothing fetched is run
or trusted: a page is only searched for links; a file goes to the readers, which validate it whole.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin

from oversight_bot.domain.sources import UrlPolicy
from oversight_bot.errors import FetchFailed, FetchRefused
from oversight_bot.services.releases import Fetched, NotModified, Validators

if TYPE_CHECKING:
    import httpx

USER_AGENT = "oversight-bot (NHS Oversight Framework chat bot; release checks, docs/releases.md)"
MB = 1024 * 1024


class Expect(StrEnum):
    PAGE = "page"
    CSV = "csv"
    ZIP = "zip"


# What each kind of response may be labelled as. Servers label CSV files variously (Excel's type,
# or none: octet-stream); an HTML page where a file was expected is an error or a login page.
CONTENT_TYPES = {
    Expect.PAGE: frozenset({"text/html", "application/xhtml+xml"}),
    Expect.CSV: frozenset(
        {
            "text/csv",
            "text/plain",
            "application/csv",
            "text/comma-separated-values",
            "application/vnd.ms-excel",
            "application/octet-stream",
            "binary/octet-stream",
        }
    ),
    Expect.ZIP: frozenset(
        {"application/zip", "application/x-zip-compressed", "application/x-zip", "application/octet-stream"}
    ),
}
# RFC 9110 §8.3: a response without a Content-Type may be taken as application/octet-stream.
UNLABELLED = "application/octet-stream"

Progress = Callable[[int, int | None], None]  # bytes so far, and the whole size when the server says


@dataclass(frozen=True, slots=True)
class FetchLimits:
    max_bytes: int = 100 * MB
    timeout_s: float = 30.0  # to connect, and between any two reads
    download_s: float = 600.0  # for a whole response, however it trickles
    attempts: int = 3
    first_wait_s: float = 2.0
    longest_wait_s: float = 60.0


def retry_wait(attempt: int, limits: FetchLimits, retry_after: float | None = None) -> float:
    """The wait before try `attempt + 1`: the server's Retry-After if it gave one, else 2 s, 4 s, 8 s
    ...; never longer than the longest wait."""
    wait = retry_after if retry_after is not None else limits.first_wait_s * 2 ** (attempt - 1)
    return max(0.0, min(wait, limits.longest_wait_s))


class _TryAgain(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


class HttpFetcher:
    """Fetches with one httpx client (connections reused across a check's files)."""

    def __init__(
        self,
        policy: UrlPolicy,
        limits: FetchLimits | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import httpx  # deferred: it takes a while to import, and only a release check uses it

        self.policy = policy
        self.limits = limits or FetchLimits()
        self.sleep = sleep or time.sleep
        self.clock = clock
        self._httpx = httpx
        self.client = httpx.Client(
            timeout=httpx.Timeout(self.limits.timeout_s),
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": USER_AGENT},
            event_hooks={"request": [self._allowed]},
            # trust_env (the default): HTTPS_PROXY and SSL_CERT_FILE are honoured, as a network
            # behind a proxy needs (docs/releases.md).
        )

    def close(self) -> None:
        self.client.close()

    def fetch(
        self, url: str, known: Validators | None, expect: str, progress: Progress | None = None
    ) -> Fetched | NotModified:
        """The page or file (`expect`: page, csv or zip), or NotModified when the validators sent still
        name it. Raises FetchFailed (unreachable, after the retries) or FetchRefused (it breaks a limit)."""
        expected = Expect(expect)
        refusal = self.policy.refusal(url)
        if refusal:
            raise FetchFailed(f"{url} {refusal}")
        limits = self.limits
        for attempt in range(1, limits.attempts + 1):
            try:
                return self._once(url, known, expected, progress)
            except _TryAgain as again:
                if attempt == limits.attempts:
                    raise FetchFailed(f"{again.reason} ({attempt} attempts)") from None
                self.sleep(retry_wait(attempt, limits, again.retry_after))
        raise AssertionError("unreachable")  # the loop returns or raises

    def links(self, page: Fetched) -> list[str]:
        return page_links(page)

    def _allowed(self, request: httpx.Request) -> None:
        """Every request, each redirect's too, goes only where the policy allows."""
        refusal = self.policy.refusal(str(request.url))
        if refusal:
            raise FetchFailed(f"redirected to {request.url}, which {refusal}")

    def _once(
        self, url: str, known: Validators | None, expect: Expect, progress: Progress | None
    ) -> Fetched | NotModified:
        httpx = self._httpx
        headers = _conditional_headers(known)
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status == 304 and headers:
                    return NotModified()
                if status == 429 or status >= 500:
                    raise _TryAgain(f"{status} {response.reason_phrase}".strip(), _retry_after(response))
                if status != 200:
                    raise FetchFailed(f"{status} {response.reason_phrase}".strip())
                content_type = _content_type(response)
                _check_content_type(response, content_type, expect)
                content = self._read(response, content_type, progress)
                validators = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
                return Fetched(str(response.url), content, content_type, validators)
        except httpx.TimeoutException:
            raise _TryAgain(f"no answer within {self.limits.timeout_s:g} s") from None
        except httpx.TooManyRedirects:
            raise FetchFailed("too many redirects") from None
        except httpx.TransportError as error:  # refused, reset, cut short: the network's, worth a retry
            raise _TryAgain(f"could not fetch it ({type(error).__name__})") from None
        except httpx.RequestError as error:  # a body that does not decode, and the like: not worth one
            raise FetchFailed(f"could not read the answer ({type(error).__name__})") from None

    def _read(self, response: httpx.Response, content_type: str, progress: Progress | None) -> bytes:
        limit = self.limits.max_bytes
        declared = _declared_length(response)
        if declared is not None and declared > limit:
            raise _too_large(response, content_type, declared, limit)
        started, received = self.clock(), bytearray()
        for chunk in response.iter_bytes():  # decoded: a compressed body counts at its real size
            received += chunk
            if len(received) > limit:
                raise _too_large(response, content_type, None, limit)
            if self.clock() - started > self.limits.download_s:
                raise _TryAgain(f"the download took longer than {self.limits.download_s:g} s")
            if progress is not None:
                progress(len(received), declared)
        return bytes(received)


def _conditional_headers(known: Validators | None) -> dict[str, str]:
    headers = {}
    if known is not None and known.etag:
        headers["If-None-Match"] = known.etag
    if known is not None and known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


def _content_type(response: httpx.Response) -> str:
    return (response.headers.get("content-type") or UNLABELLED).split(";")[0].strip().lower()


def _check_content_type(response: httpx.Response, content_type: str, expect: Expect) -> None:
    if content_type not in CONTENT_TYPES[expect]:
        wanted = {Expect.PAGE: "a web page", Expect.CSV: "a CSV file", Expect.ZIP: "a zip archive"}[expect]
        raise FetchRefused(
            f"it came as {content_type}, not {wanted}: perhaps an error or sign-in page",
            fingerprint(response, content_type),
        )


def _declared_length(response: httpx.Response) -> int | None:
    if response.headers.get("content-encoding"):
        return None  # the length of the compressed body; the real size is counted as it arrives
    try:
        return int(response.headers["content-length"])
    except (KeyError, ValueError):
        return None


def _too_large(response: httpx.Response, content_type: str, size: int | None, limit: int) -> FetchRefused:
    said = f" ({size / MB:.1f} MB)" if size is not None else ""
    return FetchRefused(
        f"it is larger than the limit of {limit / MB:g} MB{said} (OVERSIGHT_RELEASES_MAX_MB)",
        fingerprint(response, content_type),
    )


def fingerprint(response: httpx.Response, content_type: str) -> str:
    """What identifies a version refused unread: its validators, length and type (no body to hash)."""
    headers = response.headers
    parts = [headers.get("etag", ""), headers.get("last-modified", ""), headers.get("content-length", ""), content_type]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds, or as an HTTP date (RFC 9110 §10.2.3)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


# -- a page's links ---------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if not href:
            return
        if tag == "a":
            self.hrefs.append(href.strip())
        elif tag == "base" and self.base is None:
            self.base = href.strip()


def page_links(page: Fetched) -> list[str]:
    """Every link of a page, made absolute against the page (or its <base>), without fragments,
    each once, in the page's order."""
    text = page.content.decode("utf-8", errors="replace")  # links are ASCII; a stray byte is no matter
    parser = _Links()
    parser.feed(text)
    parser.close()
    base = urljoin(page.url, parser.base) if parser.base else page.url
    found: dict[str, None] = {}
    for href in parser.hrefs:
        absolute = urldefrag(urljoin(base, href)).url
        if absolute.startswith(("http://", "https://")):
            found.setdefault(absolute)
    return list(found)
