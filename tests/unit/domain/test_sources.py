"""Which addresses may be fetched, which links are files of which kind, and the sources file's checks."""

from __future__ import annotations

from typing import Any

import pytest

from oversight_bot.domain.sources import FileKind, UrlPolicy, is_host_name, sources_from, upload_month, url_refusal
from tests.release_sources import default_sources

HOSTS = ("www.england.nhs.uk", "files.digital.nhs.uk")
POLICY = UrlPolicy(frozenset(HOSTS))


def nhs_england_page() -> Any:
    (sources, problems) = sources_from({"source": default_sources()}, POLICY)
    assert problems == []
    return next(source for source in sources if source.is_page)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        # The names NHS England has used (reference/nof.md §5; shared/data/PROVENANCE.md §5).
        ("nhs-oversight-framework-acute-trust-data.csv", FileKind.NOF_ACUTE),
        ("nhs-oversight-framework-non-acute-hospital-trust-data.csv", FileKind.NOF_MENTAL_HEALTH),
        ("nhs-oversight-framework-mental-health-and-community-trust-data.csv", FileKind.NOF_MENTAL_HEALTH),
        ("nhs-oversight-framework-ambulance-trust-data.csv", FileKind.NOF_AMBULANCE),
        ("nhs-oversight-framework-acute-trust-league-table.csv", FileKind.LEAGUE_ACUTE),
        ("nhs-oversight-framework-acute-trust-league-table-q3-25-26-v2.csv", FileKind.LEAGUE_ACUTE),
        ("nhs-oversight-framework-mental-health-and-community-trust-league-table.csv", FileKind.LEAGUE_MENTAL_HEALTH),
        ("NHS-Oversight-Framework-Ambulance-Trust-League-Table.CSV", FileKind.LEAGUE_AMBULANCE),
        ("nhs-oversight-framework-acute-trust-data-1.csv", FileKind.NOF_ACUTE),  # a second upload of the name
        ("nhs-oversight-framework-csv-metadata-file.csv", None),
        ("nhs-oversight-framework-acute-trust-data.xlsx", None),
        ("nhs-oversight-framework-2025-26-methodology-manual.pdf", None),
    ],
)
def test_the_default_patterns_know_nhs_englands_file_names(name: str, kind: FileKind | None) -> None:
    page = nhs_england_page()
    assert page.kind_of_link(f"https://www.england.nhs.uk/wp-content/uploads/2026/02/{name}?ver=2#top") is kind


@pytest.mark.parametrize(
    ("url", "local_http", "refusal"),
    [
        ("https://www.england.nhs.uk/publication/x/", False, None),
        ("https://WWW.England.NHS.uk/x.csv", False, None),
        ("https://files.digital.nhs.uk:443/assets/ods/current/etr.zip", False, None),
        ("http://www.england.nhs.uk/x.csv", False, "is not an https address"),
        ("https://www.england.nhs.uk.example.org/x.csv", False, "not in OVERSIGHT_RELEASES_ALLOWED_HOSTS"),
        ("https://evil.example/x.csv", True, "not in OVERSIGHT_RELEASES_ALLOWED_HOSTS"),
        ("http://127.0.0.1:8080/x.csv", False, "is plain http"),
        ("http://127.0.0.1:8080/x.csv", True, None),
        ("http://localhost:8080/x.csv", True, "is not an https address"),
        ("http://10.0.0.1/x.csv", True, "is not an https address"),
        ("https://user:secret@www.england.nhs.uk/x.csv", False, "carries a user name or password"),
        ("ftp://files.digital.nhs.uk/etr.zip", False, "is not an https address"),
        ("file:///etc/passwd", False, "is not a web address"),
        ("https://www.england.nhs.uk:notaport/x", False, "is not a web address"),
        ("etr.zip", False, "is not a web address"),
    ],
)
def test_only_https_on_the_allowed_hosts_is_fetched(url: str, local_http: bool, refusal: str | None) -> None:
    found = url_refusal(url, HOSTS, local_http)
    assert (found is None) if refusal is None else (found is not None and refusal in found), found


def test_nhs_englands_upload_folder_dates_a_file() -> None:
    assert upload_month("https://www.england.nhs.uk/wp-content/uploads/2025/09/x.csv") == "September 2025"
    assert upload_month("https://files.digital.nhs.uk/assets/ods/current/etr.zip") is None
    assert upload_month("https://www.england.nhs.uk/wp-content/uploads/2025/13/x.csv") is None


@pytest.mark.parametrize(
    ("source", "field", "words"),
    [
        ({"name": "x", "page": "https://www.england.nhs.uk/p/", "file": "https://www.england.nhs.uk/f.csv"},
         "page", "give exactly one"),
        ({"name": "x", "page": "https://www.england.nhs.uk/p/"}, "links", "a page needs the patterns"),
        ({"name": "x", "file": "https://www.england.nhs.uk/f.csv"}, "kind", "is not one of"),
        ({"name": "x", "file": "https://www.england.nhs.uk/f.csv", "kind": "nof-acute", "member": "../etr.csv"},
         "member", "not a file name"),
        ({"name": "x", "file": "https://www.england.nhs.uk/f.csv", "kind": "nof-acute", "url": "y"},
         "url", "not a field a source has"),
        ({"page": "https://www.england.nhs.uk/p/", "links": [{"pattern": "*.csv", "kind": "nof-acute"}]},
         "name", "is missing"),
        ({"name": "x", "page": "https://www.england.nhs.uk/p/", "links": [{"pattern": "a/b.csv", "kind": "icbs"}]},
         "links", "no file-name pattern"),
        ({"name": "x", "file": "https://evil.example/f.csv", "kind": "icbs"}, "host", "evil.example"),
    ],
)  # fmt: skip
def test_each_problem_of_a_source_is_named(source: dict[str, Any], field: str, words: str) -> None:
    sources, problems = sources_from({"source": [source]}, POLICY)
    assert sources == []
    assert any(p.field == field and words in f"{p.problem} {p.good}" for p in problems), problems


def test_two_sources_may_not_share_a_name() -> None:
    entry = {"name": "ODS", "file": "https://files.digital.nhs.uk/etr.zip", "kind": "ods-etr", "member": "etr.csv"}
    sources, problems = sources_from(
        {"source": [entry, entry | {"file": "https://files.digital.nhs.uk/x.zip"}]}, POLICY
    )
    assert len(sources) == 1 and [p.problem for p in problems] == ["is used by another source"]


@pytest.mark.parametrize(
    ("text", "ok"),
    [("www.england.nhs.uk", True), ("127.0.0.1", True), ("::1", True), ("https://x", False), ("x/y", False),
     ("a..b", False), ("-x.org", False), ("x:443", False), ("ex ample.org", False)],
)  # fmt: skip
def test_an_allowed_host_is_a_host_name(text: str, ok: bool) -> None:
    assert is_host_name(text) is ok
