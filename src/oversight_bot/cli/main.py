"""`oversight`: run the bot, talk to it in a terminal, import NHS England's files, check its figures.

Start-up is kept fast (docs/benchmarks.md, "Start-up"): this module imports only typer and rich,
and each command imports what it needs (the store, a chat SDK, a file reader) when it runs.
Settings are read and checked by `application()` (config.load_settings), before anything acts;
how failures are shown and which exit status they give is in `failures.py` (docs/cli.md).
"""

from __future__ import annotations

import dataclasses
import gc
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from oversight_bot.cli import failures
from oversight_bot.errors import ConfigurationError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from oversight_bot.bootstrap import Application
    from oversight_bot.chat.replies import Reply
    from oversight_bot.delivery.worker import Notifier
    from oversight_bot.domain.actors import Actor
    from oversight_bot.domain.quarters import Quarter
    from oversight_bot.domain.segmentation import CutPoints
    from oversight_bot.services.imports import ImportReport
    from oversight_bot.services.releases import Publication

CONNECT_HINT = (
    "No chat platform configured, so this is the terminal console. To connect Slack, set "
    "OVERSIGHT_SLACK_BOT_TOKEN and OVERSIGHT_SLACK_APP_TOKEN; for Teams, OVERSIGHT_TEAMS_APP_ID and "
    "its secret (README.md, 'Connect to Slack', 'Connect to Teams')."
)

NO_RETENTION_RULE = "No retention rule is configured (OVERSIGHT_CONCERN_RETENTION_DAYS); nothing is deleted."

cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Run the oversight bot, talk to it in this terminal, import NHS England's files, check its figures. "
    "Exit status: 0 answered, 1 not found or refused, 2 usage or configuration, 3 store unavailable (docs/cli.md).",
)
import_cli = typer.Typer(no_args_is_help=True, help="Import a file; any bad row rejects the whole file.")
nof_cli = typer.Typer(no_args_is_help=True, help="NHS England's NOF metric files.")
db_cli = typer.Typer(no_args_is_help=True, help="The segment store's schema.")
audit_cli = typer.Typer(no_args_is_help=True, help="The concerns' audit trail (hash-chained, append-only).")
concerns_cli = typer.Typer(no_args_is_help=True, help="Concerns: export and the retention rule (admin only).")
teams_cli = typer.Typer(no_args_is_help=True, help="Microsoft Teams: the app package an admin uploads.")
releases_cli = typer.Typer(
    no_args_is_help=True, help="NHS England's and ODS's publications: check for new files, and see what was found."
)
cli.add_typer(import_cli, name="import")
cli.add_typer(nof_cli, name="nof")
cli.add_typer(db_cli, name="db")
cli.add_typer(audit_cli, name="audit")
cli.add_typer(concerns_cli, name="concerns")
cli.add_typer(teams_cli, name="teams")
cli.add_typer(releases_cli, name="releases")

out = Console()
err = Console(stderr=True)

ExistingFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def main() -> NoReturn:
    """The `oversight` command (the console script, `python -m oversight_bot`)."""
    failures.leave(run_command(sys.argv[1:]))


def run_command(argv: list[str]) -> int:
    """Run one command; its exit status, every failure one line on stderr (failures.py).

    The cyclic garbage collector is off until the application is wired (`application()` turns it
    back on): start-up allocates a few hundred thousand objects and frees almost none, and
    collecting over them took a tenth of a second of every command (docs/benchmarks.md)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return failures.exit_status(lambda: cli(args=argv, prog_name="oversight"))
    finally:
        if collecting:
            gc.enable()


@contextmanager
def application(prepare_store: bool = True, long_running: bool = False) -> Iterator[Application]:
    """The settings checked (every problem named, exit status 2), then the application wired;
    `long_running` (servers, the worker): its read model from the store, never the cache file."""
    from oversight_bot.bootstrap import build
    from oversight_bot.config import load_settings
    from oversight_bot.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, json_lines=settings.log_format == "json")
    app = build(settings, prepare_store=prepare_store, read_model_cache=not long_running)
    gc.enable()  # wired: from here a command may run for hours (run_command)
    try:
        yield app
    finally:
        app.close()


def console_actor() -> Actor:
    from oversight_bot.domain.actors import Actor

    return Actor(platform="console", user_id="console", conversation_id="console", workspace="local")


def finish(status: int) -> None:
    """End a command with an exit status (0 answered, 1 the answer is no, 2 usage; failures.py)."""
    if status:
        raise typer.Exit(status)


@contextmanager
def background_worker(app: Application, notifiers: dict[str, Notifier]) -> Iterator[None]:
    """The alert worker in a thread beside the chat (the embedded default's single process); not
    started when another worker already serves this SQLite store."""
    from oversight_bot.bootstrap import sole_sqlite_worker

    with sole_sqlite_worker(app) as sole:
        if not sole:
            err.print("Another alert worker serves this store; alerts go out from there.", markup=False)
            yield
            return
        with _worker_thread(app, notifiers), release_schedule(app, notifiers):
            yield


@contextmanager
def _worker_thread(app: Application, notifiers: dict[str, Notifier]) -> Iterator[None]:
    from oversight_bot.bootstrap import delivery_worker

    worker = delivery_worker(app, notifiers)
    try:
        with _on_a_thread(worker.run, "The alert worker", "alert-worker"):
            yield
    finally:
        worker.close()


@contextmanager
def release_schedule(app: Application, notifiers: dict[str, Notifier]) -> Iterator[None]:
    """The release checks in a thread beside the alert worker, when OVERSIGHT_RELEASES_CHECK_HOURS is
    set (docs/releases.md); nothing otherwise. A download in hand when it stops is left to its lease."""
    if app.settings.releases_check_hours is None:
        yield
        return
    from oversight_bot.bootstrap import release_checks
    from oversight_bot.delivery.releases import ReleaseSchedule

    with _on_a_thread(ReleaseSchedule(release_checks(app, notifiers)).run, "The release checks", "release-checks"):
        yield


@contextmanager
def _on_a_thread(task: Callable[[threading.Event], None], what: str, name: str) -> Iterator[None]:
    """`task(stop)` on a thread of its own while the block runs; then stopped, and waited for a while."""
    stop = threading.Event()
    thread = threading.Thread(target=failures.in_background(lambda: task(stop), what), name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


@cli.command()
def run() -> None:
    """The main job: prepare the store (seeding it on first use) and serve chat: Slack when it is
    configured (Socket Mode with an app token, HTTP mode with a signing secret), Teams when it is
    (beside Slack, on its own port), the console when neither is. A chat platform configured only
    in part is refused with the setting that is missing (exit status 2), never served half."""
    with application(long_running=True) as app:
        settings = app.settings
        teams_at = teams_host(app, "0.0.0.0") if settings.teams_configured else "0.0.0.0"
        if settings.slack_http_mode and not settings.slack_socket_mode:
            refuse_busy_port("0.0.0.0", settings.slack_port, "OVERSIGHT_SLACK_PORT")
        if settings.teams_configured:
            refuse_busy_port(teams_at, settings.teams_port, "OVERSIGHT_TEAMS_PORT")
        notifiers = chat_notifiers(app)
        with background_worker(app, notifiers):
            if settings.teams_configured and settings.slack_configured:
                _teams_in_background(app, teams_at)
            if settings.slack_socket_mode:
                _serve_socket_mode(app)
            elif settings.slack_http_mode:
                _serve_http(app, "0.0.0.0", settings.slack_port, workers=1)
            elif settings.teams_configured:
                _serve_teams(app, teams_at, settings.teams_port)
            else:
                from oversight_bot.console.repl import Repl

                out.print(CONNECT_HINT, style="dim", markup=False)
                Repl(app.conversation, out, console_actor()).run()


def chat_notifiers(app: Application) -> dict[str, Notifier]:
    """Where alerts can go: the console always, and each configured chat platform."""
    from oversight_bot.bootstrap import slack_notifier, teams_notifier
    from oversight_bot.console.notifier import ConsoleNotifier

    notifiers: dict[str, Notifier] = {"console": ConsoleNotifier(out)}
    if app.settings.slack_configured:
        notifiers["slack"] = slack_notifier(app)
    if app.settings.teams_configured:
        notifiers["teams"] = teams_notifier(app)
    return notifiers


def refuse_busy_port(host: str, port: int, setting: str) -> None:
    """Refuse to start, before saying anything is served, when the port cannot be listened on (in
    use, or the host is not this machine's): the server itself would fail later, less clearly."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise ConfigurationError(
                f"cannot listen on {host}:{port} ({reason}): stop what uses the port, or choose another with "
                f"--port or {setting}; for example {setting}={port + 1 if port < 65535 else 3000}"
            ) from None


def teams_host(app: Application, host: str) -> str:
    from oversight_bot.teams.app import listening_host

    return listening_host(app.settings, host)


def _teams_in_background(app: Application, host: str) -> None:
    """Teams' server on its own thread and event loop, when Slack has the foreground."""
    from oversight_bot.bootstrap import teams_web_app
    from oversight_bot.teams.app import serve_in_thread

    port = app.settings.teams_port
    serve_in_thread(teams_web_app(app), host, port)
    err.print(f"Teams: POST http://{host}:{port}/api/messages", markup=False)


@cli.command()
def serve(
    slack_http: Annotated[bool, typer.Option("--slack-http", help="Slack's HTTP mode: POST /slack/events.")] = False,
    slack_socket: Annotated[bool, typer.Option("--slack-socket", help="Slack's Socket Mode (no public URL).")] = False,
    teams: Annotated[bool, typer.Option("--teams", help="Microsoft Teams: POST /api/messages.")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on (HTTP).")] = "0.0.0.0",
    port: Annotated[
        int | None,
        typer.Option(
            min=1, max=65535, help="Port; default OVERSIGHT_SLACK_PORT (3000) or OVERSIGHT_TEAMS_PORT (3978)."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes (Slack HTTP mode); one per core is a start.")] = 1,
) -> None:
    """Serve one chat platform: --slack-http, --slack-socket or --teams. Its settings are checked, and
    the port tried, before anything is said to be served."""
    if sum((slack_http, slack_socket, teams)) != 1:
        raise typer.BadParameter("choose one of --slack-http, --slack-socket or --teams")
    with application(long_running=True) as app:
        if slack_socket:
            _serve_socket_mode(app)
        elif teams:
            _serve_teams(app, host, port or app.settings.teams_port)
        else:
            _serve_http(app, host, port or app.settings.slack_port, workers)


def _serve_socket_mode(app: Application) -> None:
    from oversight_bot.bootstrap import ready_to_serve, slack_app
    from oversight_bot.config import require
    from oversight_bot.slack import socket_mode

    settings = app.settings
    require(settings.slack_app_token is not None, "slack_app_token", "Socket Mode needs the app-level token")
    require(settings.slack_bot_token is not None, "slack_bot_token", "Socket Mode needs the bot token")
    assert settings.slack_app_token is not None
    bolt = slack_app(app, socket_mode=True)
    ready_to_serve()
    err.print("Slack: connecting in Socket Mode...", markup=False)
    socket_mode.run(
        bolt,
        settings.slack_app_token.get_secret_value(),
        on_connected=lambda: err.print("Slack: connected in Socket Mode (Ctrl-C to stop).", markup=False),
    )


def _serve_http(app: Application, host: str, port: int, workers: int) -> None:
    from oversight_bot.bootstrap import ready_to_serve, slack_http_app
    from oversight_bot.config import require
    from oversight_bot.slack import http

    settings = app.settings
    require(settings.slack_signing_secret is not None, "slack_signing_secret", "Slack's HTTP mode needs it")
    require(
        settings.slack_http_mode, "slack_bot_token", "Slack's HTTP mode needs it, or a client id and secret for OAuth"
    )
    web_app = slack_http_app(app)
    refuse_busy_port(host, port, "OVERSIGHT_SLACK_PORT")
    err.print(f"Slack: HTTP mode on http://{host}:{port}/slack/events (Ctrl-C to stop).", markup=False)
    if workers > 1:
        # The store is prepared; the light supervisor (standard library only) takes this process
        # over and starts the workers, each building its own app (serving/supervisor.py).
        app.close()
        failures.flush()
        supervisor = [sys.executable, "-m", "oversight_bot.serving.supervisor"]
        os.execv(sys.executable, [*supervisor, "--host", host, "--port", str(port), "--workers", str(workers)])
    app.segments.refresh()  # the first read model, before the first request
    ready_to_serve()
    http.serve(web_app, host, port)


def _serve_teams(app: Application, host: str, port: int) -> None:
    from oversight_bot.bootstrap import ready_to_serve, teams_web_app
    from oversight_bot.config import require
    from oversight_bot.teams.app import serve as serve_teams

    require(app.settings.teams_configured, "teams_app_id", "`serve --teams` needs the bot's Microsoft Entra app")
    web_app = teams_web_app(app)  # refuses to start without an app id (or explicit anonymous use)
    host = teams_host(app, host)
    refuse_busy_port(host, port, "OVERSIGHT_TEAMS_PORT")
    ready_to_serve()
    err.print(f"Teams: POST http://{host}:{port}/api/messages (Ctrl-C to stop).", markup=False)
    serve_teams(web_app, host, port)


@cli.command()
def console() -> None:
    """Chat with the bot in this terminal, as you would in Slack or Teams."""
    from oversight_bot.console.repl import Repl

    with application() as app:
        out.print("Type `help` for commands, `quit` to leave.", style="dim", markup=False)
        Repl(app.conversation, out, console_actor()).run()


@cli.command()
def ask(
    text: Annotated[str, typer.Argument(help="What you would type, e.g. 'segment Leeds'.")], json: Json = False
) -> None:
    """Answer one message and exit: status 0 answered, 1 not found or ambiguous, 2 not understood."""
    from oversight_bot.chat.commands import parse_text
    from oversight_bot.cli import answers

    with application() as app:
        command = parse_text(text)
        if json:
            answer = answers.answer(command, app.conversation, console_actor())
            emit_json(answer.fields)
            finish(ANSWER_STATUS[answer.status])
            return
        reply = app.conversation.handle(command, console_actor())
        show_reply(reply)
        finish(ANSWER_STATUS[answers.status_of(command, reply)])


ANSWER_STATUS = {"answered": 0, "not_found": 1, "ambiguous": 1, "refused": 1, "usage": 2}


def show_reply(reply: Reply) -> None:
    from oversight_bot.console.render import render

    out.print(render(reply))


@cli.command()
def lookup(query: str, json: Json = False) -> None:
    """Resolve a name, ODS code, alias, acronym or misspelling to an organisation (status 1 if none
    or several match)."""
    from oversight_bot.cli import answers
    from oversight_bot.domain.organisations import display_name

    with application() as app:
        result = app.segments.lookup(query)
        if json:
            emit_json(answers.lookup_fields(result))
        elif result.organisation is not None:
            org = result.organisation
            closed = f", closed {org.closed_on}" if org.closed_on else ""
            out.print(f"resolved ({result.matched_by}): {org.ods_code} {display_name(org.name)}{closed}", markup=False)
        else:
            out.print(result.status.value.replace("_", " "), markup=False)
        if not json:
            for candidate in result.candidates:
                out.print(
                    f"  {candidate.ods_code} {display_name(candidate.name)} ({candidate.score:.0f})", markup=False
                )
    finish(0 if result.organisation is not None else 1)


def emit_json(value: object) -> None:
    """JSON on stdout, untouched by rich (no wrapping, no colour), for scripts."""
    from oversight_bot.cli import output

    sys.stdout.write(output.to_json(value) + "\n")


def _import(kind: str, run_import: Callable[[], ImportReport], json: bool) -> None:
    """Run an import, reporting file problems (nothing imported) with exit status 1; with --json,
    the report or the problems as fields on stdout (docs/cli.md, `oversight-import/1`). Counted in
    the metrics by `kind` (the command: ods, nof, league ...) and result (docs/alerts.md)."""
    from oversight_bot.cli import output
    from oversight_bot.errors import ImportFileError
    from oversight_bot.serving import metrics

    try:
        report = run_import()
    except ImportFileError as error:
        metrics.count_import(kind, "refused")
        if json:
            emit_json(output.import_error_json(error))
        else:
            output.show_import_error(err, error)
        raise typer.Exit(1) from None
    metrics.count_import(kind, "changed" if report.changed else "unchanged")
    if json:
        emit_json(output.import_json(report))
    else:
        output.show_import(out, report)


@import_cli.command("ods")
def import_ods(
    file: ExistingFile,
    regions: Annotated[Path | None, typer.Option(help="Region codes file (default: the seeds').")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The day the file describes, e.g. 2026-07-01 (default: today): dates renames."),
    ] = None,
    json: Json = False,
) -> None:
    """ODS's NHS trust file (etr.csv: no header, 27 columns); renames and ICB moves are kept as history."""
    from datetime import date

    from oversight_bot.ingest.organisations import read_ods_file, read_regions_file

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter(f"{as_of!r} is not a date like 2026-07-01", param_hint="--as-of") from None
    with application() as app:
        region_names = read_regions_file(regions or app.settings.seeds_dir / "regions.csv")
        _import("ods", lambda: app.importer.organisations(read_ods_file(file, region_names), "ods", as_of=day), json)


@import_cli.command("succ")
def import_succ(file: ExistingFile, json: Json = False) -> None:
    """ODS's successor file (succ.csv: no header, 5 fields): who took over from whom, and when."""
    from oversight_bot.ingest.organisations import read_succ_file

    with application() as app:
        _import("succ", lambda: app.importer.successions(read_succ_file(file)), json)


@import_cli.command("memberships")
def import_memberships(file: ExistingFile, json: Json = False) -> None:
    """ICB memberships ODS's trust file lacks (care trusts): ods_code,icb_code,since,source."""
    from oversight_bot.ingest.organisations import read_memberships_file

    with application() as app:
        _import("memberships", lambda: app.importer.memberships(read_memberships_file(file)), json)


@import_cli.command("icbs")
def import_icbs(file: ExistingFile, json: Json = False) -> None:
    """ONS's ICB names and codes, any year's list (ICB24CD, ICB24CDH, ICB24NM; ICB25... after)."""
    from oversight_bot.ingest.organisations import read_icb_file

    with application() as app:
        _import("icbs", lambda: app.importer.organisations(read_icb_file(file), "icbs"), json)


@import_cli.command("aliases")
def import_aliases(file: ExistingFile, json: Json = False) -> None:
    """Short names and acronyms (alias,ods_code[,source]: where the name comes from); replaces the alias list."""
    from oversight_bot.ingest.organisations import read_alias_file

    with application() as app:
        _import("aliases", lambda: app.importer.aliases(read_alias_file(file)), json)


Published = Annotated[
    str | None,
    typer.Option("--published", help="When the publisher published the file, as it dates it: 'September 2025'."),
]
Secondary = Annotated[
    str | None,
    typer.Option(
        "--secondary",
        metavar="NAME",
        help="The file is a secondary source (a third party's copy of published results), named NAME.",
    ),
]


def _publication(published: str | None, secondary: str | None) -> Publication:
    from oversight_bot.services.releases import Publication

    if secondary is not None and not secondary.strip():
        raise typer.BadParameter("name the secondary source, e.g. --secondary 'larsen-analyst/trustpulse'")
    if secondary:
        return Publication(publisher=secondary.strip(), published=published, secondary=True)
    return Publication(published=published)


@import_cli.command("nof")
def import_nof(
    file: ExistingFile, published: Published = None, secondary: Secondary = None, json: Json = False
) -> None:
    """NHS England's NOF metric file, in either of its layouts (the same file twice changes nothing)."""
    from oversight_bot.ingest.nof import read_nof_file

    publication = _publication(published, secondary)
    with application() as app:

        def run_import() -> ImportReport:
            with _progress(shown=not json) as progress:
                task = progress.add_task(f"Reading {file.name}", total=None)
                release = read_nof_file(file)
                progress.update(task, description="Checking against the store", total=len(release.providers))
                return app.importer.nof(
                    release, lambda _stage, done, total: progress.update(task, completed=done), publication
                )

        _import("nof", run_import, json)


@import_cli.command("segments")
def import_segments(
    file: ExistingFile, published: Published = None, secondary: Secondary = None, json: Json = False
) -> None:
    """Published segment results, or decisions of earlier frameworks (see docs/data.md)."""
    from oversight_bot.ingest.segments import read_segments_file

    publication = _publication(published, secondary)
    with application() as app:
        _import("segments", lambda: app.importer.segments(read_segments_file(file), publication), json)


@import_cli.command("league")
def import_league(
    file: ExistingFile,
    quarter: Annotated[
        str | None, typer.Option("--quarter", help="The quarter, for a file without a Quarter column: 'Q3 2025/26'.")
    ] = None,
    published: Published = None,
    secondary: Secondary = None,
    json: Json = False,
) -> None:
    """NHS England's league-table file (segments, ranks, likely ranges), or a secondary source's part of one."""
    from oversight_bot.domain.quarters import Quarter
    from oversight_bot.ingest.league import read_league_file

    publication = _publication(published, secondary)
    try:
        given = Quarter.parse(quarter) if quarter else None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--quarter") from None
    with application() as app:
        _import("league", lambda: app.importer.segments(read_league_file(file, given), publication), json)


def _progress(shown: bool = True) -> Progress:
    """Progress on stderr; not shown to a script reading --json (rich ends it with a blank line)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn())
    return Progress(*columns, console=err, transient=True, disable=not shown)


@nof_cli.command("check")
def nof_check(
    file: ExistingFile,
    json: Json = False,
    cut_points: Annotated[
        list[str] | None,
        typer.Option(
            "--cut-points",
            help="A quarter's quartile cut-points, 'Q1 2025/26=2.05,2.33,2.65' (or just the three numbers for "
            "every quarter in the file). Repeat for more quarters.",
        ),
    ] = None,
) -> None:
    """Recompute NHS England's averages, segments and ranks from its own file, and compare."""
    from oversight_bot.cli import output
    from oversight_bot.errors import ImportFileError
    from oversight_bot.ingest.nof import read_nof_file
    from oversight_bot.services.nof_check import check_release

    with application(prepare_store=False) as app:
        try:
            release = read_nof_file(file)
        except ImportFileError as error:
            output.show_import_error(err, error)
            raise typer.Exit(1) from None
        cuts = parse_cut_points(cut_points or [], release.quarters)
        report = check_release(release, app.frameworks, cuts)
    if json:
        emit_json(output.check_json(report))
    else:
        output.show_check(out, report)
    raise typer.Exit(0 if report.all_agree else 1)


def parse_cut_points(specs: list[str], quarters: list[Quarter]) -> dict[Quarter, CutPoints]:
    from decimal import Decimal, InvalidOperation

    from oversight_bot.domain.quarters import Quarter
    from oversight_bot.domain.segmentation import CutPoints

    found: dict[Quarter, CutPoints] = {}
    for spec in specs:
        label, _, numbers = spec.rpartition("=")
        try:
            values = [Decimal(n.strip()) for n in numbers.split(",")]
            if len(values) != 3:
                raise ValueError(f"three cut-points are needed, not {len(values)}")
            cuts = CutPoints(values[0], values[1], values[2], origin="given with --cut-points")
            targets = [Quarter.parse(label)] if label else quarters
        except (InvalidOperation, TypeError, ValueError) as error:
            problem = str(error) if isinstance(error, ValueError) and str(error) else "not a number"
            raise typer.BadParameter(f"{spec!r}: {problem}; expected 'Q1 2025/26=2.05,2.33,2.65'") from None
        found.update(dict.fromkeys(targets, cuts))
    return found


@cli.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="One round (fan out and send what is due), then exit.")] = False,
    metrics_port: Annotated[
        int | None,
        typer.Option("--metrics-port", min=1, max=65535, help="Serve Prometheus metrics at /metrics on this port."),
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Address for --metrics-port.")] = "0.0.0.0",
    json: Annotated[bool, typer.Option("--json", help="With --once: print JSON for scripts.")] = False,
) -> None:
    """The alert worker: fan events out to subscriptions and deliver them, until stopped (SIGTERM or
    Ctrl-C finish the round in hand). Run several on PostgreSQL; one on SQLite."""
    from oversight_bot.bootstrap import delivery_worker, sole_sqlite_worker

    if json and not once:
        raise typer.BadParameter("--json reports one round: give --once too", param_hint="--json")
    with application(long_running=not once) as app, sole_sqlite_worker(app) as sole:
        if not sole:
            err.print(
                "Another alert worker already serves this SQLite store; on SQLite only one may run.", markup=False
            )
            raise typer.Exit(1)
        if metrics_port is not None:
            _serve_metrics(metrics_port, metrics_host)
        notifiers = chat_notifiers(app)
        alert_worker = delivery_worker(app, notifiers)
        if once:
            events, groups = alert_worker.run_round()
            alert_worker.close()
            if json:
                emit_json({"schema": "oversight-worker/1", "events_fanned_out": events, "groups_attempted": groups})
            else:
                out.print(f"{events + groups} event batch(es) and group(s) handled.", markup=False)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        checking = " and release checks" if app.settings.releases_check_hours is not None else ""
        err.print(f"Alert worker{checking} running (Ctrl-C to stop).", markup=False)
        try:
            with release_schedule(app, notifiers):
                alert_worker.run(stop)
        except KeyboardInterrupt:
            stop.set()
        finally:
            alert_worker.close()


def _serve_metrics(port: int, host: str) -> None:
    from oversight_bot.serving import metrics

    try:
        metrics.serve(port, host)
    except OSError as error:
        raise ConfigurationError(
            f"--metrics-port {port}: cannot listen on {host}:{port} ({error.strerror}); choose a free port, e.g. 9464"
        ) from None
    err.print(f"Metrics: http://{host}:{port}/metrics", markup=False)


@cli.command()
def deliveries(
    dead: Annotated[bool, typer.Option("--dead", help="Only alerts that were given up on.")] = False,
    retry: Annotated[bool, typer.Option("--retry", help="Put dead alerts back in the queue (all, or --id).")] = False,
    ids: Annotated[
        list[int] | None,
        typer.Option("--id", help="Only this delivery (listed, or with --retry retried); repeat for more."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many to list, newest first.")] = 50,
    json: Json = False,
) -> None:
    """Alert deliveries: what was sent, what is waiting, what failed and why; --retry puts dead ones
    back in the queue. An --id that names no delivery is refused (status 1) and nothing is queued."""
    from oversight_bot.cli import output

    with application() as app, app.uow() as uow:
        named = uow.deliveries.listing(dead_only=False, limit=len(ids), ids=ids) if ids else []
        missing = sorted(set(ids or ()) - {d.id for d in named})
        if missing:
            err.print(
                f"No delivery has id {', '.join(map(str, missing))}; `oversight deliveries` lists them.", markup=False
            )
            raise typer.Exit(1)
        if retry:
            not_dead = [d for d in named if d.status != "dead"]
            if not_dead:
                d = not_dead[0]
                err.print(f"Delivery {d.id} is {d.status}, not dead: only dead alerts are retried.", markup=False)
                raise typer.Exit(1)
            count = uow.deliveries.requeue(ids, app.clock.now())
            uow.commit()
            report_requeued(count, len(ids) if ids else None, json)
            return
        listed = named if ids else uow.deliveries.listing(dead_only=dead, limit=limit)
    if json:
        emit_json(output.deliveries_json(listed))
        return
    output.show_deliveries(out, listed)


def report_requeued(count: int, named: int | None, json: bool) -> None:
    not_queued = (named - count) if named is not None else 0
    if json:
        emit_json({"schema": "oversight-deliveries/1", "queued": count, "not_queued": not_queued})
        return
    out.print(f"{count} dead alert(s) queued again.", markup=False)
    if not_queued:
        out.print(f"{not_queued} not queued: their subscription is disabled or removed.", markup=False)


@releases_cli.command("check")
def releases_check(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Fetch and validate, but import nothing, record nothing, tell no one.")
    ] = False,
    json: Json = False,
) -> None:
    """Check every configured source now (OVERSIGHT_RELEASES_FILE): each new file is downloaded,
    validated and imported as `oversight import` does, and the admins' channel told. Exit status 1
    when a file was refused, a source could not be fetched, or another check is running."""
    from oversight_bot.bootstrap import release_checks

    with application() as app:
        checks = release_checks(app, chat_notifiers(app))
        try:
            with _download_progress() as progress:
                report = checks.check(dry_run=dry_run, progress=progress)
        finally:
            checks.close()
    if json:
        from oversight_bot.cli.releases import check_fields

        emit_json(check_fields(report))
    else:
        from oversight_bot.chat.releases import check_reply

        show_reply(check_reply(report))
    finish(1 if not report.ran or report.troubled else 0)


@contextmanager
def _download_progress() -> Iterator[Callable[[str, int, int | None], None] | None]:
    """A progress bar per download on a terminal (on stderr); nothing when output is not a terminal."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    tasks: dict[str, TaskID] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=err, transient=True) as progress:

        def show(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                shown = name if len(name) <= 40 else name[:39] + "…"
                tasks[name] = progress.add_task(shown, total=total)
            progress.update(tasks[name], completed=done, total=total)

        yield show


@releases_cli.command("status")
def releases_status(json: Json = False) -> None:
    """Every configured source: when it was last checked, what was found, imported or refused, and why."""
    from oversight_bot.chat.releases import status_reply

    with application() as app:
        assert app.releases is not None
        status = app.releases.status(console_actor())
    if json:
        from oversight_bot.cli.releases import status_fields

        emit_json(status_fields(status))
        return
    show_reply(status_reply(status))


@db_cli.command("upgrade")
def db_upgrade(json: Json = False) -> None:
    """Create or upgrade the schema (Alembic), without loading seeds."""
    from oversight_bot.store import schema

    with application(prepare_store=False) as app:
        before = schema.current_revision(app.engine)
        schema.upgrade(app.engine)
        revision = schema.current_revision(app.engine)
    if json:
        emit_json({"schema": "oversight-db-upgrade/1", "previous": before, "revision": revision})
        return
    out.print(f"Schema at revision {revision}.", markup=False)


@db_cli.command("status")
def db_status(json: Json = False) -> None:
    """Where the database is, and which schema revision it is at; creates nothing (status 1 if there
    is no database there yet, or its schema is behind)."""
    from oversight_bot.cli.database import describe_database

    status = describe_database()
    if json:
        emit_json(status.fields())
    else:
        for line in status.lines():
            out.print(line, markup=False, soft_wrap=True)
    finish(0 if status.ready else 1)


AnchorFile = Annotated[
    Path | None, typer.Option("--anchor-file", help="Default: OVERSIGHT_AUDIT_ANCHOR_FILE.", dir_okay=False)
]


def _anchor_file(app: Application, given: Path | None) -> Path | None:
    return given or app.settings.audit_anchor_file


@audit_cli.command("anchor")
def audit_anchor(anchor_file: AnchorFile = None, json: Json = False) -> None:
    """Write the chain's head to the anchor file, outside the database's reach (run it from cron)."""
    from oversight_bot.config import require
    from oversight_bot.store.anchors import write_anchor

    with application() as app:
        path = _anchor_file(app, anchor_file)
        why = "`audit anchor` needs it (or --anchor-file): a file on storage the database's users cannot write"
        require(path is not None, "audit_anchor_file", why)
        assert path is not None
        anchor = write_anchor(path, app.concerns.audit_head())
    if json:
        emit_json({"schema": "oversight-audit-anchor/1", "path": str(path)} | dataclasses.asdict(anchor))
        return
    keyed = "keyed" if anchor.keyed_from is not None else "NOT keyed (set OVERSIGHT_AUDIT_KEY)"
    out.print(f"Anchored record {anchor.seq} ({anchor.hash}) at {anchor.at} in {path}; the chain is {keyed}.",
              markup=False)  # fmt: skip


@audit_cli.command("verify")
def audit_verify(json: Json = False, anchor_file: AnchorFile = None) -> None:
    """Check every link of the audit trail, and against the last anchor; name the first broken
    one (exit status 1)."""
    from oversight_bot.store.anchors import last_anchor

    with application() as app:
        path = _anchor_file(app, anchor_file)
        anchor = last_anchor(path) if path else None
        result = app.concerns.verify_audit(anchor)
    if json:
        emit_json({"schema": "oversight-audit-verify/1"} | dataclasses.asdict(result) | {"intact": result.intact})
    elif result.intact:
        out.print(f"Audit trail intact: {result.checked} record(s). Head hash {result.head_hash}.", markup=False)
        out.print("Every concern is as the audit trail last recorded it.", markup=False)
        if result.anchored is not None:
            out.print(f"Record {result.anchored} is as the last anchor saw it.", markup=False)
        if not result.keyed:
            err.print(
                "The chain is not keyed: set OVERSIGHT_AUDIT_KEY (docs/concerns.md).", style="yellow", markup=False
            )
    elif result.concern_problem:
        err.print(
            f"Audit trail intact ({result.checked} record(s)), but a CONCERN DOES NOT MATCH IT: "
            f"{result.concern_problem}.",
            style="red",
            markup=False,
        )
    else:
        err.print(
            f"Audit trail BROKEN at record {result.first_broken}: {result.reason}. "
            f"{result.checked} record(s) before it check out.",
            style="red",
            markup=False,
        )
    if not result.intact:
        raise typer.Exit(1)


@audit_cli.command("list")
def audit_list(
    reference: Annotated[str | None, typer.Option(help="Only records about this concern, e.g. C-2026-000001.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 50,
    json: Json = False,
) -> None:
    """Who did what to which concern, and when (records hold no concern's words)."""
    from oversight_bot.cli import output

    with application() as app:
        records = app.concerns.audit_records(reference, limit)
    if json:
        emit_json(output.audit_json(records))
        return
    output.show_audit(out, records)


@concerns_cli.command("export")
def concerns_export(
    path: Annotated[Path, typer.Argument(dir_okay=False, help="A new file; an existing one is never overwritten.")],
    json: Json = False,
) -> None:
    """Every concern's record (not who raised it) to a new JSON file readable only by you. The export
    is recorded in the audit trail once the file is written, never before; a file that cannot be
    written (exit status 2) leaves no record and no file."""
    from oversight_bot.cli.exports import ExportFile

    with application() as app, ExportFile(path) as export:
        concerns = app.concerns.export(console_actor(), str(export.path), export.write)
        export.keep()
    if json:
        emit_json({"schema": "oversight-export/1", "exported": len(concerns), "path": str(export.path)})
        return
    out.print(f"{len(concerns)} concern(s) exported to {path}; the export is in the audit trail.", markup=False)


@concerns_cli.command("retention")
def concerns_retention(
    apply: Annotated[bool, typer.Option("--apply", help="Delete them; without it, only list them.")] = False,
    json: Json = False,
) -> None:
    """The retention rule (OVERSIGHT_CONCERN_RETENTION_DAYS): concerns closed longer ago than that
    are listed, or with --apply deleted, each deletion recorded in the audit trail."""
    with application() as app:
        keep_days = app.settings.concern_retention_days  # at least config.MIN_RETENTION_DAYS, or unset
        deleting = apply and keep_days is not None
        if keep_days is None:
            references = []
        elif deleting:
            references = app.concerns.apply_retention(console_actor(), keep_days)
        else:
            references = app.concerns.due_for_deletion(console_actor(), keep_days)
    listed = ", ".join(references) or "none"
    if json:
        emit_json({"schema": "oversight-retention/1", "days": keep_days, "deleted" if deleting else "due": references})
    elif keep_days is None:
        out.print(NO_RETENTION_RULE, markup=False)
    elif deleting:
        out.print(f"{len(references)} concern(s) deleted under the retention rule: {listed}.", markup=False)
    else:
        out.print(f"{len(references)} concern(s) closed more than {keep_days} days ago: {listed}.", markup=False)
        out.print("Run again with --apply to delete them.", markup=False)


@teams_cli.command("package")
def teams_package(
    path: Annotated[Path, typer.Argument(dir_okay=False, help="The zip to write.")] = Path("oversight-teams-app.zip"),
    json: Json = False,
) -> None:
    """Write the Teams app package (manifest.json and icons) for an admin to upload."""
    from oversight_bot.config import load_settings
    from oversight_bot.teams.package import write_package

    written = write_package(load_settings(), path)
    if json:
        emit_json({"schema": "oversight-teams-package/1", "path": str(written)})
        return
    out.print(f"Teams app package written to {written}: upload it in Teams (Apps > Manage your apps).", markup=False)
