"""Where NHS England's and ODS's releases are published, and which of their links are files to import.

A source is a publication page (whose links are matched by file name against documented patterns,
each pattern naming the kind of file it finds) or a single file. Only https addresses on an
allow-list of hosts are ever fetched (docs/releases.md); `url_refusal` says why an address is not.
This module is pure: the configuration file is parsed elsewhere and handed in as data.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from oversight_bot.domain.organisations import TrustType

LOCAL_HOST = "127.0.0.1"  # the one host plain http may reach, and only when the test-only setting allows it


class FileKind(StrEnum):
    """The files the bot imports by itself, each read as `oversight import <importer>` reads it."""

    NOF_ACUTE = "nof-acute"
    NOF_MENTAL_HEALTH = "nof-mental-health-and-community"
    NOF_AMBULANCE = "nof-ambulance"
    LEAGUE_ACUTE = "league-acute"
    LEAGUE_MENTAL_HEALTH = "league-mental-health-and-community"
    LEAGUE_AMBULANCE = "league-ambulance"
    ODS_TRUSTS = "ods-etr"
    ODS_SUCCESSORS = "ods-succ"
    ICBS = "icbs"

    @property
    def importer(self) -> str:
        """As `oversight import <this>`: nof, league, ods, succ or icbs."""
        return _IMPORTERS[self]

    @property
    def trust_type(self) -> TrustType | None:
        """The trust type every row of the file must be (NHS England publishes one file per type)."""
        return _TRUST_TYPES.get(self)

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_IMPORTERS = {
    FileKind.NOF_ACUTE: "nof",
    FileKind.NOF_MENTAL_HEALTH: "nof",
    FileKind.NOF_AMBULANCE: "nof",
    FileKind.LEAGUE_ACUTE: "league",
    FileKind.LEAGUE_MENTAL_HEALTH: "league",
    FileKind.LEAGUE_AMBULANCE: "league",
    FileKind.ODS_TRUSTS: "ods",
    FileKind.ODS_SUCCESSORS: "succ",
    FileKind.ICBS: "icbs",
}
_TRUST_TYPES = {
    FileKind.NOF_ACUTE: TrustType.ACUTE,
    FileKind.NOF_MENTAL_HEALTH: TrustType.MENTAL_HEALTH_AND_COMMUNITY,
    FileKind.NOF_AMBULANCE: TrustType.AMBULANCE,
    FileKind.LEAGUE_ACUTE: TrustType.ACUTE,
    FileKind.LEAGUE_MENTAL_HEALTH: TrustType.MENTAL_HEALTH_AND_COMMUNITY,
    FileKind.LEAGUE_AMBULANCE: TrustType.AMBULANCE,
}
_DESCRIPTIONS = {
    FileKind.NOF_ACUTE: "NHS England's NOF metric file, acute trusts",
    FileKind.NOF_MENTAL_HEALTH: "NHS England's NOF metric file, mental health and community trusts",
    FileKind.NOF_AMBULANCE: "NHS England's NOF metric file, ambulance trusts",
    FileKind.LEAGUE_ACUTE: "NHS England's league table, acute trusts",
    FileKind.LEAGUE_MENTAL_HEALTH: "NHS England's league table, mental health and community trusts",
    FileKind.LEAGUE_AMBULANCE: "NHS England's league table, ambulance trusts",
    FileKind.ODS_TRUSTS: "ODS's NHS trusts file (etr)",
    FileKind.ODS_SUCCESSORS: "ODS's successor organisations file (succ)",
    FileKind.ICBS: "ONS's ICB names and codes",
}


@dataclass(frozen=True, slots=True)
class LinkRule:
    """Links on a page whose file name matches `pattern` (a shell pattern, any case) are `kind` files."""

    pattern: str
    kind: FileKind


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    url: str
    kind: FileKind | None = None  # a file's kind; None for a page
    links: tuple[LinkRule, ...] = ()  # a page's
    member: str | None = None  # the file to take from a zip archive (ODS publishes zips)

    @property
    def is_page(self) -> bool:
        return self.kind is None

    def kind_of_link(self, url: str) -> FileKind | None:
        """The kind of file a link on this page is, by its file name; None when no pattern matches."""
        import fnmatch  # deferred, as is ipaddress below: every command reads the settings, few match links

        name = file_name(url).lower()
        return next((rule.kind for rule in self.links if fnmatch.fnmatchcase(name, rule.pattern.lower())), None)


def file_name(url: str) -> str:
    """The last part of an address's path, decoded: what the file is called."""
    return unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])


# NHS England's site files each upload under the year and month it was uploaded
# (`/wp-content/uploads/2025/09/nhs-oversight-framework-acute-trust-data.csv`, the first release).
_UPLOAD_FOLDER = re.compile(r"/wp-content/uploads/(\d{4})/(\d{2})/")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def upload_month(url: str) -> str | None:
    """ "September 2025" for a file in NHS England's upload folder of that month, as the seeds date the
    first release (seeds/seeds.toml); None where the address does not say."""
    match = _UPLOAD_FOLDER.search(urlsplit(url).path)
    if match is None or not 1 <= int(match[2]) <= 12:
        return None
    return f"{_MONTHS[int(match[2]) - 1]} {match[1]}"


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """Which addresses may be fetched: https on the allowed hosts, and (tests only) http on 127.0.0.1."""

    hosts: frozenset[str]
    allow_local_http: bool = False

    def refusal(self, url: str) -> str | None:
        return url_refusal(url, self.hosts, self.allow_local_http)


def url_refusal(url: str, hosts: Collection[str], allow_local_http: bool = False) -> str | None:
    """Why `url` may not be fetched, or None when it may."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  # raises on a port that is not a number
    except ValueError:
        return "is not a web address"
    if not host:
        return "is not a web address (https://host/path)"
    if parts.username or parts.password:
        return "carries a user name or password; give the address alone"
    local = host == LOCAL_HOST
    if parts.scheme == "http" and local:
        if allow_local_http:
            return None
        return (
            "is plain http: only https addresses are fetched (OVERSIGHT_RELEASES_ALLOW_LOCAL_HTTP=true allows "
            f"http on {LOCAL_HOST}, for tests only)"
        )
    if parts.scheme != "https":
        return "is not an https address: only https addresses are fetched"
    if local and allow_local_http:
        return None
    if host not in {h.lower() for h in hosts}:
        return f"is on {host}, which is not in OVERSIGHT_RELEASES_ALLOWED_HOSTS"
    return None


def is_host_name(text: str) -> bool:
    """A DNS host name or an IP address, as an allow-list entry must be (no scheme, path or port)."""
    import ipaddress

    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        pass
    labels = text.split(".")
    return len(text) <= 253 and all(
        0 < len(label) <= 63 and label.replace("-", "").isalnum() and label.isascii() and not label.startswith("-")
        for label in labels
    )


# -- the configuration file's data (TOML, read by config.py) ---------------------------------------


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """One thing wrong with a configured source: which one, which field, what, and a good value."""

    where: str  # "source 2 (ODS: NHS trusts)"
    field: str
    problem: str
    good: str


KNOWN_FIELDS = {"name", "page", "file", "kind", "links", "member"}


def sources_from(data: Mapping[str, Any], policy: UrlPolicy) -> tuple[list[Source], list[SourceProblem]]:
    """The `[[source]]` tables of the configuration file, each checked; every problem found."""
    entries = data.get("source", [])
    if not isinstance(entries, list):
        return [], [SourceProblem("the file", "source", "must be a list of [[source]] tables", _GOOD_PAGE)]
    sources, problems = [], []
    names: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        source, found = _source(number, entry, policy)
        problems += found
        if source is not None and source.name in names:
            problems.append(SourceProblem(_where(number, entry), "name", "is used by another source", '"ODS: etr"'))
        elif source is not None:
            names.add(source.name)
            sources.append(source)
    return sources, problems


_GOOD_PAGE = '"https://www.england.nhs.uk/publication/..."'
_GOOD_KIND = '"nof-acute"'


def _where(number: int, entry: object) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"source {number} ({name})" if isinstance(name, str) and name else f"source {number}"


def _source(number: int, entry: object, policy: UrlPolicy) -> tuple[Source | None, list[SourceProblem]]:
    where = _where(number, entry)
    if not isinstance(entry, dict):
        return None, [SourceProblem(where, "source", "is not a table", "[[source]]")]
    problems = [
        SourceProblem(where, key, "is not a field a source has (name, page or file, kind, links, member)", "name")
        for key in entry
        if key not in KNOWN_FIELDS
    ]
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(SourceProblem(where, "name", "is missing", '"NHS England: NOF files"'))
    page, file = entry.get("page"), entry.get("file")
    if (page is None) == (file is None):
        problems.append(
            SourceProblem(where, "page", "or file: give exactly one (a publication page or a file)", _GOOD_PAGE)
        )
        return None, problems
    url = page if page is not None else file
    if not isinstance(url, str):
        problems.append(SourceProblem(where, "page" if page is not None else "file", "is not text", _GOOD_PAGE))
        return None, problems
    refusal = policy.refusal(url)
    host = (urlsplit(url).hostname or "").lower() if refusal and "ALLOWED_HOSTS" in refusal else None
    if host:  # a configuration of two settings: the fix may be the allow-list's
        problems.append(SourceProblem(where, "host", url, host))
    elif refusal:
        problems.append(SourceProblem(where, "page" if page is not None else "file", f"{url!r} {refusal}", _GOOD_PAGE))
    kind: FileKind | None = None
    links: tuple[LinkRule, ...] = ()
    if page is not None:
        links, found = _links(where, entry.get("links"))
        problems += found
        if "kind" in entry:
            problems.append(SourceProblem(where, "kind", "belongs to a file; a page's links each have a kind", "links"))
    else:
        kind = _kind(where, "kind", entry.get("kind"), problems)
        if "links" in entry:
            problems.append(SourceProblem(where, "links", "belong to a page, not a file", "page"))
    member = entry.get("member")
    if member is not None and (not isinstance(member, str) or not member or "/" in member):
        problems.append(SourceProblem(where, "member", "is not a file name inside the archive", '"etr.csv"'))
        member = None
    if problems:
        return None, problems
    assert isinstance(name, str)
    return Source(name.strip(), url.strip(), kind, links, member), []


_GOOD_LINKS = '[{ pattern = "nhs-oversight-framework-acute-trust-data*.csv", kind = "nof-acute" }]'


def _links(where: str, given: object) -> tuple[tuple[LinkRule, ...], list[SourceProblem]]:
    good = _GOOD_LINKS
    if not isinstance(given, list) or not given:
        return (), [SourceProblem(where, "links", "is missing: a page needs the patterns of the files it links", good)]
    rules, problems = [], []
    for rule in given:
        pattern = rule.get("pattern") if isinstance(rule, dict) else None
        if not isinstance(pattern, str) or not pattern.strip() or "/" in pattern:
            problems.append(SourceProblem(where, "links", f"{rule!r} has no file-name pattern", good))
            continue
        kind = _kind(where, "links", rule.get("kind"), problems)
        if kind is not None:
            rules.append(LinkRule(pattern.strip(), kind))
    return tuple(rules), problems


def _kind(where: str, field: str, given: object, problems: list[SourceProblem]) -> FileKind | None:
    try:
        return FileKind(str(given))
    except ValueError:
        kinds = ", ".join(kind.value for kind in FileKind)
        good = _GOOD_LINKS if field == "links" else _GOOD_KIND
        problems.append(SourceProblem(where, field, f"kind {given!r} is not one of {kinds}", good))
        return None
