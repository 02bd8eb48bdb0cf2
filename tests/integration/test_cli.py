"""The `oversight` command line, as a user or a script runs it."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oversight_bot.config import PROJECT_DIR, default_database_path
from oversight_bot.store import schema
from tests.conftest import NOF_FILE, SEEDS
from tests.nof_files import ACUTE_FILE, q1_only, write_nof
from tests.oversight_cli import oversight


@pytest.fixture
def run_cli(seeded_db_url: str) -> object:
    def invoke(*args: str, input: str | None = None) -> object:
        return oversight(*args, input=input, env={"OVERSIGHT_DATABASE_URL": seeded_db_url})

    return invoke


def worsen_rdy(row: dict[str, str]) -> dict[str, str]:
    """RDY's Q2 2025/26 made worse: segment 2 becomes 4 (one event to announce)."""
    if row["Trust_code"] == "RDY" and row["Quarter"] == "Q2 2025/26" and row["Metric_ID"] in ("OF5000", "OF5005"):
        row["Value"] = "4.0"
    return row


def test_ask_answers_one_message(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("ask", "segment RWR")
    assert result.exit_code == 0
    assert "Segment 3 (underlying segment 1, held at 3 by the financial override)" in result.output
    assert "26th of 61 mental health and community trusts" in result.output


def test_ask_json_gives_fields_not_sentences(run_cli) -> None:  # type: ignore[no-untyped-def]
    answered = run_cli("ask", "--json", "segment RR8")
    assert answered.exit_code == 0
    answer = json.loads(answered.stdout)
    assert (answer["schema"], answer["status"], answer["command"]) == ("oversight-answer/1", "answered", "segment")
    assert answer["organisation"]["name"] == "Leeds Teaching Hospitals NHS Trust"
    assessment = answer["assessment"]
    assert (assessment["segment"], assessment["rank"], assessment["peer_count"]) == (3, 88, 134)
    assert (assessment["peer_table"], assessment["quarter"], assessment["average_score"]) == (
        "acute",
        "Q3 2025/26",
        2.56,
    )
    assert "88th" not in answered.stdout  # no display text

    ambiguous = run_cli("ask", "--json", "segment Leeds")
    assert ambiguous.exit_code == 1
    choice = json.loads(ambiguous.stdout)
    assert choice["status"] == "ambiguous"
    assert {c["ods_code"] for c in choice["candidates"]} == {"RR8", "RY6", "RGD"}


@pytest.mark.parametrize(
    ("text", "status", "exit_code"),
    [
        ("segment RWR", "answered", 0),
        ("why RWR", "answered", 0),
        ("history RWR", "answered", 0),
        ("league mh", "answered", 0),
        ("list segment:4", "answered", 0),
        ("help", "answered", 0),
        ("segment qqqq zzzz", "not_found", 1),
        ("segment Leeds", "ambiguous", 1),
        ("league mh region:Atlantis", "not_found", 1),
        ("frobnicate RWR", "usage", 2),
        ("league", "usage", 2),
    ],
)
def test_ask_exit_status_says_what_the_answer_was(run_cli, text: str, status: str, exit_code: int) -> None:  # type: ignore[no-untyped-def]
    shown = run_cli("ask", text)
    as_json = run_cli("ask", "--json", text)
    assert shown.exit_code == exit_code == as_json.exit_code, shown.output
    assert json.loads(as_json.stdout)["status"] == status


def test_ask_json_lists_league_and_why_as_fields(run_cli) -> None:  # type: ignore[no-untyped-def]
    league = json.loads(run_cli("ask", "--json", "league mh").stdout)
    assert league["table"] == "mh" and len(league["rows"]) == league["peer_count"] == 61
    assert set(league["rows"][0]) == {
        "ods_code",
        "name",
        "quarter",
        "segment",
        "rank",
        "average_score",
        "override_applied",
    }
    why = json.loads(run_cli("ask", "--json", "why RWR").stdout)
    assert why["reasons"] and all(set(r) == {"step", "text", "metrics"} for r in why["reasons"])
    assert why["metrics"] and all(isinstance(m["score"], float) for m in why["metrics"])
    assert why["assessment"]["source"]["publisher"] == "NHS England"
    assert why["assessment"]["source"]["secondary"] is False


ORGANISATION_FIELDS = {
    "ods_code",
    "name",
    "register_name",
    "kind",
    "trust_type",
    "region",
    "icb_code",
    "open",
    "closed_on",
}


@pytest.mark.parametrize(
    ("query", "status", "code", "open_"),
    [
        ("rr8", "resolved", "RR8", True),
        ("Leeds Teching", "resolved", "RR8", True),
        ("Leeds", "ambiguous", None, None),
        ("R0C", "resolved", "R0C", False),
        ("qqqq zzzz", "not_found", None, None),
    ],
)
def test_lookup_json_shape(run_cli, query: str, status: str, code: str | None, open_: bool | None) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("lookup", "--json", query)
    assert result.exit_code == (0 if code else 1)
    data = json.loads(result.stdout)
    assert set(data) == {"schema", "status", "query", "matched_by", "organisation", "candidates"}
    assert data["status"] == status
    if code is None:
        assert data["organisation"] is None
    else:
        assert data["organisation"]["ods_code"] == code and data["organisation"]["open"] is open_
        assert set(data["organisation"]) == ORGANISATION_FIELDS
    if status == "ambiguous":
        assert all(set(c) == {"ods_code", "name", "register_name", "open", "score"} for c in data["candidates"])
    if code == "R0C":
        assert data["organisation"]["closed_on"] == "2020-03-26"


def test_lookup_names_organisations_as_people_write_them(run_cli) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(run_cli("lookup", "--json", "rr8").stdout)
    assert data["organisation"]["name"] == "Leeds Teaching Hospitals NHS Trust"
    assert data["organisation"]["register_name"] == "LEEDS TEACHING HOSPITALS NHS TRUST"
    shown = run_cli("lookup", "Leeds")
    assert "RR8 Leeds Teaching Hospitals NHS Trust" in shown.stdout and "LEEDS" not in shown.stdout


def test_nof_check_reproduces_nhs_englands_figures(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("nof", "check", str(NOF_FILE), "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["schema"] == "oversight-nof-check/1"
    assert report["all_agree"] is True and report["mismatches"] == []
    assert report["summary"]["rank"] == {"agree": 122, "checked": 122}


def test_nof_check_with_cut_points_per_quarter(run_cli) -> None:  # type: ignore[no-untyped-def]
    good = run_cli(
        "nof",
        "check",
        str(NOF_FILE),
        "--cut-points",
        "Q1 2025/26=2.05,2.33,2.65",
        "--cut-points",
        "Q2 2025/26=2.07,2.35,2.69",
    )
    assert good.exit_code == 0, good.output
    assert "unadjusted segment" in good.output
    wrong = run_cli("nof", "check", str(NOF_FILE), "--cut-points", "1.9,2.0,2.1")
    assert wrong.exit_code == 1 and "MISMATCH" in wrong.output
    garbled = run_cli("nof", "check", str(NOF_FILE), "--cut-points", "Q1 2025/26=two")
    assert garbled.exit_code == 2 and "not a number" in garbled.output
    short = run_cli("nof", "check", str(NOF_FILE), "--cut-points", "Q1 2025/26=2.05,2.33")
    assert short.exit_code == 2 and "three cut-points are needed, not 2" in short.output
    assert "positional argument" not in short.output


def test_import_reports_changes_and_announcements(run_cli, tmp_path: Path, seeded_db_url: str) -> None:  # type: ignore[no-untyped-def]
    again = run_cli("import", "nof", str(NOF_FILE))
    assert again.exit_code == 0 and "nothing changed, nothing written" in again.output

    revised = run_cli("import", "nof", str(write_nof(tmp_path / "revised.csv", change=worsen_rdy)))
    assert revised.exit_code == 0
    assert "1 change(s) announced" in revised.output and "RDY moved from segment 2 to 4" in revised.output


def test_a_broken_import_exits_1_naming_the_line(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_nof(
        tmp_path / "bad.csv",
        change=lambda row: (
            row | {"Value": "n/a"} if row["Trust_code"] == "RWR" and row["Metric_ID"] == "OF5002" else row
        ),
    )
    result = run_cli("import", "nof", str(path))
    assert result.exit_code == 1
    assert "nothing imported" in result.output and "line " in result.output and "n/a" in result.output
    assert "Segment 3" in run_cli("ask", "segment RWR").output  # unchanged


def test_console_picks_buttons_by_number_and_pages_with_more(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("console", input="segment Leeds\n2\nleague mh\nmore\n9\nquit\n")
    assert result.exit_code == 0
    assert "Which organisation did you mean" in result.output
    assert "Leeds Teaching Hospitals NHS Trust (RR8)" in result.output and "of 134 acute trusts" in result.output
    assert "page 2 of 4" in result.output
    assert "No such choice in the last answer." in result.output


def test_db_status_reports_where_the_store_is_and_its_revision(run_cli, seeded_db_url: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("db", "status")
    assert result.exit_code == 0
    path = seeded_db_url.removeprefix("sqlite:///")
    assert result.stdout.splitlines() == [
        f"Database: {path} (SQLite; set by OVERSIGHT_DATABASE_URL)",
        f"Schema: {schema.declared_head()}, the latest: up to date.",
    ]


def test_db_status_creates_nothing_where_there_is_no_store(tmp_path: Path) -> None:
    missing = tmp_path / "not" / "yet" / "oversight.db"
    result = oversight("db", "status", "--json", env={"OVERSIGHT_DATABASE_URL": f"sqlite:///{missing}"})
    assert result.exit_code == 1
    status = json.loads(result.stdout)
    assert (status["path"], status["exists"], status["revision"]) == (str(missing), False, None)
    assert list(tmp_path.iterdir()) == []  # no file, no folder


def test_the_default_store_is_one_file_wherever_the_command_is_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = default_database_path()
    existed = default.exists()
    reported = []
    for folder in (tmp_path / "one", tmp_path / "two" / "deeper"):
        folder.mkdir(parents=True)
        monkeypatch.chdir(folder)
        result = oversight("db", "status", "--json")
        assert result.exit_code in (0, 1), result.output
        reported.append(json.loads(result.stdout))
        assert list(folder.iterdir()) == []
    assert reported[0] == reported[1] and reported[0]["default"] is True
    assert reported[0]["path"] == str(PROJECT_DIR / "oversight.db")
    assert default.exists() == existed  # db status only looks


def test_the_main_job_seeds_a_fresh_store_and_opens_the_console(tmp_path: Path) -> None:
    """`oversight run` in an empty folder: the README's first command, end to end, in a real process."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OVERSIGHT_")}
    environment |= {"COLUMNS": "120", "OVERSIGHT_DATABASE_URL": f"sqlite:///{tmp_path / 'oversight.db'}"}
    process = subprocess.run(
        [sys.executable, "-m", "oversight_bot", "run"],
        input="segment Leeds Teaching\nquit\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )
    assert process.returncode == 0, process.stderr
    assert "No chat platform configured" in process.stdout
    assert "Leeds Teaching Hospitals NHS Trust (RR8)" in process.stdout
    assert (tmp_path / "oversight.db").exists()


def test_a_baseline_then_a_newer_quarter_through_the_cli(tmp_path: Path) -> None:
    env = {
        "OVERSIGHT_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "OVERSIGHT_SEED_ON_FIRST_USE": "false",
    }
    from tests.conftest import SEEDS

    assert oversight("import", "ods", str(SEEDS / "ods-etr.csv"), env=env).exit_code == 0
    first = oversight("import", "nof", str(q1_only(tmp_path / "q1.csv")), env=env)
    assert "0 change(s) announced." in first.output
    second = oversight("import", "nof", str(NOF_FILE), env=env)
    assert "Q2 2025/26 (23):" in second.output
    assert "RXV left the Provider Improvement Programme (segment 4)" in second.output


def held_by_another(lock_file: str, holder: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    """Wait until another process holds the lock (the first worker has started), without a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert holder.poll() is None, "the first worker stopped"
        if os.path.exists(lock_file):
            with open(lock_file) as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return
                fcntl.flock(handle, fcntl.LOCK_UN)
        time.sleep(0.05)
    raise AssertionError("the first worker never took the lock")


def test_only_one_alert_worker_runs_on_a_sqlite_store(seeded_db_url: str, tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_")} | {
        "OVERSIGHT_DATABASE_URL": seeded_db_url
    }
    first = subprocess.Popen(
        [sys.executable, "-m", "oversight_bot", "worker"],
        env=environment,
        cwd=tmp_path,
        stderr=subprocess.DEVNULL,
    )
    try:
        held_by_another(seeded_db_url.removeprefix("sqlite:///") + ".worker-lock", first)
        second = subprocess.run(
            [sys.executable, "-m", "oversight_bot", "worker"],
            env=environment,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "only one may run" in " ".join(second.stderr.split())
    finally:
        first.terminate()
        first.wait(timeout=30)


def test_nof_check_reproduces_the_acute_file_through_the_cli(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("nof", "check", "--json", str(ACUTE_FILE))
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert all(figures == {"agree": 134, "checked": 134} for figures in report["summary"].values())
    assert report["cut_points"]["Q1 2025/26"]["origin"] == "implied by NHS England's placings for the quarter"


def test_import_league_needs_a_quarter_for_a_file_without_one_and_labels_a_secondary_source(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path
) -> None:
    source = (SEEDS / "league-acute-2025-26-q3-secondary.csv").read_text(encoding="utf-8")
    path = tmp_path / "segments.csv"
    path.write_text(source.replace(",Quarter", "").replace(",Q3 2025/26", ""), encoding="utf-8")
    refused = run_cli("import", "league", str(path))
    assert refused.exit_code == 1 and "--quarter 'Q3 2025/26'" in refused.output
    imported = run_cli("import", "league", str(path), "--quarter", "Q3 2025/26", "--secondary", "intuita")
    assert imported.exit_code == 0 and "nothing changed" in imported.output  # the seeds hold the same segments
    assert "Source: secondary source:" in run_cli("ask", "segment RGM").output


def leaf_commands(group: object, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    """Every command under `group` (click's tree, as typer builds it), with its words."""
    for name, command in getattr(group, "commands", {}).items():
        if hasattr(command, "commands"):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


# Servers and the interactive console: nothing for a script to read.
NOT_FOR_SCRIPTS = {("run",), ("serve",), ("console",)}


def test_every_command_a_script_runs_has_json() -> None:
    """docs/cli.md, "JSON": a new command without --json fails here, not in a user's script."""
    from typer.main import get_command

    from oversight_bot.cli.main import cli

    commands = dict(leaf_commands(get_command(cli)))
    assert set(commands) >= NOT_FOR_SCRIPTS
    lacking = [
        " ".join(words)
        for words, command in commands.items()
        if words not in NOT_FOR_SCRIPTS and "--json" not in {o for p in command.params for o in p.opts}  # type: ignore[attr-defined]
    ]
    assert lacking == []
    documented = (PROJECT_DIR / "docs" / "cli.md").read_text().partition("\n## JSON\n")[2]  # each one's fields
    assert [w for w in commands if w not in NOT_FOR_SCRIPTS and f"`oversight {' '.join(w)}" not in documented] == []


def test_import_json_gives_the_report_as_fields(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    again = run_cli("import", "nof", str(NOF_FILE), "--json")
    assert again.exit_code == 0 and again.stderr == ""
    unchanged = json.loads(again.stdout)
    assert (unchanged["schema"], unchanged["status"], unchanged["import_id"]) == (
        "oversight-import/1",
        "unchanged",
        None,
    )
    assert unchanged["quarters"] == ["Q1 2025/26", "Q2 2025/26"] and unchanged["rows"] > 0

    revised = json.loads(
        run_cli("import", "nof", str(write_nof(tmp_path / "revised.csv", change=worsen_rdy)), "--json").stdout
    )
    assert revised["status"] == "imported" and isinstance(revised["import_id"], int) and revised["changes"]
    assert revised["events"] == [
        {
            "kind": "segment_changed",
            "ods_code": "RDY",
            "quarter": "Q2 2025/26",
            "segment": 4,
            "previous_quarter": "Q1 2025/26",
            "previous_segment": 2,
            "framework": "NOF2025",
            "segment_5_unpublished": False,
        }
    ]


def test_a_refused_import_gives_its_problems_as_fields(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_nof(
        tmp_path / "bad.csv",
        change=lambda row: (
            row | {"Value": "n/a"} if row["Trust_code"] == "RWR" and row["Metric_ID"] == "OF5002" else row
        ),
    )
    refused = run_cli("import", "nof", str(path), "--json")
    assert refused.exit_code == 1 and refused.stderr == ""
    report = json.loads(refused.stdout)
    assert (report["schema"], report["status"], report["file"]) == ("oversight-import/1", "refused", "bad.csv")
    assert report["problems"] and all(isinstance(p["line"], int) and "n/a" in p["message"] for p in report["problems"])


def test_db_upgrade_json_names_the_revisions(tmp_path: Path) -> None:
    env = {"OVERSIGHT_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    first = oversight("db", "upgrade", "--json", env=env)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {
        "schema": "oversight-db-upgrade/1",
        "previous": None,
        "revision": schema.declared_head(),
    }
    again = json.loads(oversight("db", "upgrade", "--json", env=env).stdout)
    assert again["previous"] == again["revision"] == schema.declared_head()


def test_worker_once_json_counts_the_round(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "nof", str(write_nof(tmp_path / "revised.csv", change=worsen_rdy))).exit_code == 0
    first = run_cli("worker", "--once", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"schema": "oversight-worker/1", "events_fanned_out": 1, "groups_attempted": 0}
    assert json.loads(run_cli("worker", "--once", "--json").stdout)["events_fanned_out"] == 0  # nothing left
    forever = run_cli("worker", "--json")
    assert forever.exit_code == 2 and "--once" in forever.stderr and forever.stdout == ""
