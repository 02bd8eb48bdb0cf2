"""The organisation register as it is now and as it was: ODS's 2026 trust file over the 2025 one,
successors of closed trusts, former names, and ICB membership by date for alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from oversight_bot.bootstrap import Application, build
from oversight_bot.config import Settings
from oversight_bot.domain.organisations import Organisation
from oversight_bot.domain.register import FormerName, IcbMembership
from oversight_bot.domain.subscriptions import Target, TargetKind
from oversight_bot.errors import ImportFileError
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.ingest.organisations import read_icb_file, read_ods_file, read_regions_file, read_succ_file
from tests.conftest import SEEDS
from tests.fakes import FakeClock
from tests.integration.alerts.conftest import alert_settings, drain, subscribe, worker_for
from tests.integration.slack.conftest import text_of
from tests.integration.test_releases import CONSOLE, ask
from tests.nof_files import write_cumulative
from tests.slack_standin import SlackStandIn

APRIL_2026 = date(2026, 4, 1)


Register = tuple[dict[str, Organisation], set[FormerName], set[IcbMembership]]


def register_of(app: Application) -> Register:
    with app.uow() as uow:
        organisations = {o.ods_code: o for o in uow.organisations.all()}
        return organisations, set(uow.register.former_names()), set(uow.register.memberships())


def test_the_2026_register_over_the_2025_one_keeps_the_past(seeded_app: Application) -> None:
    organisations, names, memberships = register_of(seeded_app)
    bristol = organisations["RA7"]
    assert bristol.name == "BRISTOL NHS FOUNDATION TRUST"
    assert ("RA7", "UNIVERSITY HOSPITALS BRISTOL AND WESTON NHS FOUNDATION TRUST", date(2026, 7, 1)) in {
        (n.ods_code, n.name, n.until) for n in names
    }
    closed = {code: organisations[code].closed_on for code in ("RNK", "RY2", "RYV", "RVJ")}
    assert closed == {
        "RNK": date(2026, 3, 31),
        "RY2": date(2026, 3, 31),
        "RYV": date(2026, 3, 31),
        "RVJ": date(2026, 6, 30),
    }
    assert "K0N6A" in organisations
    rdr = sorted((m for m in memberships if m.ods_code == "RDR"), key=lambda m: m.since or date.min)
    # The ICB move is dated by ODS's succession of QNX by S9B9J, not by the file that showed it.
    assert rdr == [
        IcbMembership("RDR", "QNX", None, APRIL_2026, "ods-etr.csv"),
        IcbMembership("RDR", "S9B9J", APRIL_2026, None, "ods-etr-2026-07.csv"),
    ]
    assert "Formerly: University Hospitals Bristol and Weston NHS Foundation Trust (renamed by July 2026)" in ask(
        seeded_app, "segment RA7"
    )


def test_a_store_given_the_newer_files_by_hand_ends_as_the_seeded_one(seeded_app: Application, tmp_path: Path) -> None:
    app = build(Settings(database_url=f"sqlite:///{tmp_path / 'by-hand.db'}", seed_on_first_use=False))
    try:
        regions = read_regions_file(SEEDS / "regions.csv")
        app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", regions), "ods", as_of=date(2025, 11, 1))
        app.importer.organisations(read_icb_file(SEEDS / "icbs.csv"), "icbs")
        app.importer.successions(read_succ_file(SEEDS / "ods-succ-2026-05.csv"))
        newer = read_ods_file(SEEDS / "ods-etr-2026-07.csv", regions)
        report = app.importer.organisations(newer, "ods", as_of=date(2026, 7, 1))
        assert report.changes["former_names"] == 4 and report.changes["icb_memberships"] == 81 + 1  # + K0N6A
        by_hand, seeded = register_of(app), register_of(seeded_app)
        trusts = {c: o for c, o in seeded[0].items() if c in by_hand[0]}
        assert {c: (o.name, o.icb_code, o.closed_on) for c, o in by_hand[0].items()} == {
            c: (o.name, o.icb_code, o.closed_on) for c, o in trusts.items()
        }
        assert by_hand[1] == seeded[1]
        assert by_hand[2] <= seeded[2]  # the seeds add the care trusts' memberships
    finally:
        app.close()


@pytest.mark.parametrize(
    ("code", "successors"),
    [
        ("RAP", ["Royal Free London NHS Foundation Trust (RAL) on 1 January 2025"]),  # North Middlesex
        ("RQ6", ["Liverpool University Hospitals NHS Foundation Trust (REM) on 1 October 2019"]),  # Royal Liverpool
        ("RW6", ["(R0A) on 1 October 2021", "(RM3) on 1 October 2021"]),  # Pennine Acute: two successors
        ("RRP", ["North London NHS Foundation Trust (G6V2S) on 1 November 2024"]),  # Barnet, Enfield and Haringey
        ("R1C", ["Hampshire and Isle of Wight Healthcare NHS Foundation Trust (RW1) on 1 October 2024"]),  # Solent
        ("RY2", ["North Cheshire and Mersey NHS Foundation Trust (RWW) on 1 April 2026"]),
    ],
)
def test_a_closed_trust_points_to_its_successors_with_a_button_each(
    seeded_app: Application, code: str, successors: list[str]
) -> None:
    reply = seeded_app.conversation.respond(f"segment {code}", CONSOLE)
    shown = ask(seeded_app, f"segment {code}")
    assert "Closed on" in shown or "It closed on" in shown
    for words in successors:
        assert f"to {words}" in shown or f"Its services passed to {words}" in shown or words in shown, shown
    buttons = {choice.command for choice in reply.choices}
    assert len([c for c in buttons if c.startswith("segment ") and c != f"segment {code}"]) == len(successors)


def test_where_ods_records_no_successor_it_says_so(seeded_app: Application) -> None:
    assert "ODS's successor file records no successor for it." in ask(seeded_app, "segment RJD")  # Mid Staffordshire
    # North Bristol closed in June 2026; the May 2026 successor file does not yet name its successor.
    assert "ODS's successor file records no successor for it." in ask(seeded_app, "segment RVJ")


def test_a_chain_of_successors_is_followed_to_the_open_one(seeded_app: Application, tmp_path: Path) -> None:
    """A -> B -> C: an invented row (test data) makes Mid Staffordshire pass to North Middlesex,
    which passed to the Royal Free."""
    path = tmp_path / "succ.csv"
    path.write_text((SEEDS / "ods-succ-2026-05.csv").read_text() + '"RJD","RAP","","20171101","0"\n')
    seeded_app.importer.successions(read_succ_file(path))
    shown = ask(seeded_app, "segment RJD")
    assert (
        "Its services passed to North Middlesex University Hospital NHS Trust (RAP, closed on 31 December 2024) on "
        "1 November 2017, then to Royal Free London NHS Foundation Trust (RAL) on 1 January 2025." in shown
    )


def test_a_successors_history_includes_its_predecessors_segments_marked_as_theirs(seeded_app: Application) -> None:
    shown = ask(seeded_app, "history G6V2S")
    assert "Predecessor: Tavistock and Portman NHS Foundation Trust (RNK)" in shown
    assert "A predecessor's segments are its own, not its successor's." in shown


def test_a_new_icb_without_a_name_is_shown_by_its_code_never_invented(seeded_app: Application) -> None:
    assert "ICB: S9B9J (name not in the loaded ICB list)" in ask(seeded_app, "segment RDR")


@pytest.mark.parametrize(
    ("when", "told", "not_told"),
    [
        (datetime(2026, 3, 15, tzinfo=UTC), "C0OLDICB", "C0NEWICB"),
        (datetime(2026, 5, 1, tzinfo=UTC), "C0NEWICB", "C0OLDICB"),
    ],
)
def test_an_icb_subscription_follows_the_trusts_in_it_when_the_news_happens(
    seeded_db_url: str, standin: SlackStandIn, tmp_path: Path, when: datetime, told: str, not_told: str
) -> None:
    app = build(alert_settings(seeded_db_url, standin.base_url), clock=FakeClock(when))
    try:
        subscribe(app, Target(TargetKind.ICB, "QNX"), channel="C0OLDICB")
        subscribe(app, Target(TargetKind.ICB, "S9B9J"), channel="C0NEWICB")
        subscribe(app, Target(TargetKind.ICB, "QWO"), channel="C0WESTYORKS")
        app.importer.nof(read_nof_file(write_cumulative(tmp_path / "q1-q4.csv")))
        worker = worker_for(app)
        drain(
            [worker], lambda: bool(standin.posts(told)) and bool(standin.posts("C0WESTYORKS")) and not worker.run_once()
        )
        assert "RDR" in text_of(standin.posts(told)[0].body)
        assert standin.posts(not_told) == []
        # Bradford District Care, a care trust (not in ODS's trust file), is in West Yorkshire's ICB.
        assert "TAD Bradford District Care moved from segment 4 to 3" in text_of(standin.posts("C0WESTYORKS")[0].body)
        worker.close()
    finally:
        app.close()


def test_a_later_ons_icb_list_names_the_icbs_of_2026(seeded_app: Application, tmp_path: Path) -> None:
    """ONS names its columns by the list's year; a 2026 list (made up here: ONS's is not in the data
    here) that names S9B9J gives it its name everywhere."""
    path = tmp_path / "icb_names_codes_2026.csv"
    path.write_text("ICB26CD,ICB26CDH,ICB26NM,ObjectId\nE54000099,S9B9J,NHS Test Merged Integrated Care Board,1\n")
    seeded_app.importer.organisations(read_icb_file(path), "icbs")
    assert "ICB: NHS Test Merged Integrated Care Board (S9B9J)" in ask(seeded_app, "segment RDR")
    path.write_text("ICB26CD,ICB25CDH,ICB26NM\nE54000099,S9B9J,NAME\n")
    with pytest.raises(ImportFileError, match="ICB columns for one year"):
        read_icb_file(path)
