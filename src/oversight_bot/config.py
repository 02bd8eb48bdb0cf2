"""Settings, from OVERSIGHT_* environment variables and an optional `.env` file, checked in one place.

`load_settings()` is how every entrypoint gets them. It checks each value (type, format, range),
then the values together (a chat platform is configured completely or not at all), and turns every
problem into one line that names the variable, says what is wrong with the value and gives a good
one (`ConfigurationError.problems`). Secrets are never repeated in those lines. Nothing reads the
environment at import time. README.md ("Configuration") lists every setting; docs/cli.md says how
problems are reported.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from oversight_bot.domain.sources import Source, UrlPolicy, is_host_name, sources_from
from oversight_bot.errors import ConfigurationError

PREFIX = "OVERSIGHT_"
ENV_FILE = ".env"
# The project directory: the checkout that holds seeds/ (the embedded default runs from one).
PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SEEDS = PROJECT_DIR / "seeds"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ROLE_NAMES = ("reader", "reporter", "oversight", "speak_up_guardian", "admin")
# The shortest retention rule accepted: a safety floor against a typo (0, -5, 1) deleting a concern
# moments after it was closed, and time to reopen one closed by mistake. A product choice, not an
# NHS rule: organisations set their own retention, which must be at least this (docs/concerns.md).
MIN_RETENTION_DAYS = 30
AUDIT_KEY_MIN = 32  # characters of the audit chain's HMAC key
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SLACK_CHANNEL = re.compile(r"^(T[A-Z0-9]+:)?[CG][A-Z0-9]+$")
# `sqlite:///` and a path, nothing more (no options, another driver or `:memory:`): what SQLAlchemy
# takes as a SQLite file through its default driver (a test checks the two agree), recognised
# without importing SQLAlchemy.
_PLAIN_SQLITE_FILE = re.compile(r"^sqlite(\+pysqlite)?:///(?P<path>[^?#]+)$")
# The hosts of the sources in seeds/releases.toml (docs/releases.md): NHS England's site, ODS's files.
RELEASE_HOSTS = ["www.england.nhs.uk", "files.digital.nhs.uk"]


def default_database_path() -> Path:
    """The embedded default's SQLite file: in the project directory when running from a checkout
    (beside seeds/, so `make clean` removes it), else in the per-user data directory. The same
    wherever the command is run from."""
    if (PROJECT_DIR / "pyproject.toml").is_file():
        return PROJECT_DIR / "oversight.db"
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "oversight-bot" / "oversight.db"


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"


def sqlite_file_path(url: str) -> Path | None:
    """The file a SQLite URL names, when it names only a file (`sqlite:///path`); else None."""
    found = _PLAIN_SQLITE_FILE.match(url)
    path = unquote(found["path"]) if found else ":memory:"
    return None if path == ":memory:" or "\x00" in path else Path(path)


def example(value: str) -> Any:
    """A good value for a setting, shown in its error message."""
    return Field(json_schema_extra={"good": value})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, env_file=ENV_FILE, extra="ignore")

    database_url: Annotated[str, example("postgresql+psycopg://oversight@db.internal/oversight")] = Field(
        default_factory=default_database_url
    )
    seeds_dir: Annotated[Path, example(str(DEFAULT_SEEDS))] = DEFAULT_SEEDS
    # Create and load the seed data into an empty store on first use (the embedded default).
    seed_on_first_use: Annotated[bool, example("false")] = True
    frameworks_file: Annotated[Path | None, example(str(DEFAULT_SEEDS / "frameworks.toml"))] = None
    # NOF 2026/27 thresholds ("2.05,2.35,2.70"); not published yet, so nothing is assumed.
    nof2026_thresholds: Annotated[str | None, example("2.05,2.35,2.70")] = None
    # Answers warn when the quarter they show ended more than this many months ago (docs/data.md).
    stale_after_months: Annotated[int, example("6"), Field(ge=1, le=60)] = 6
    log_level: Annotated[str, example("INFO")] = "WARNING"
    # "text" (one escaped line per record) or "json" (one JSON object per line, for log shippers).
    log_format: Annotated[str, example("json")] = "text"
    # The audit chain's HMAC key (at least 32 characters; docs/concerns.md): kept out of the
    # database, so that someone who can write to it cannot forge or re-hash records. Unset: the
    # chain is SHA-256 only, which shows edits but not a careful forger's appends.
    audit_key: Annotated[
        SecretStr | None, example("<python -c 'import secrets; print(secrets.token_urlsafe(48))'>")
    ] = None
    # Where `oversight audit anchor` records the chain's head, outside the database's reach.
    audit_anchor_file: Annotated[Path | None, example("/var/lib/oversight-anchors/audit.jsonl")] = None

    slack_bot_token: Annotated[SecretStr | None, example("xoxb-...")] = None
    slack_app_token: Annotated[SecretStr | None, example("xapp-...")] = None
    slack_signing_secret: Annotated[SecretStr | None, example("<Basic Information > Signing Secret>")] = None
    # The Slack Web API's base URL: Slack's own unless a stand-in (tests, staging) is wanted.
    slack_api_url: Annotated[str, example("https://slack.com/api/")] = "https://slack.com/api/"
    # Multi-workspace installs (OAuth), when both are set; installations are kept in the store.
    slack_client_id: Annotated[str | None, example("1234567890.1234567890")] = None
    slack_client_secret: Annotated[SecretStr | None, example("<Basic Information > Client Secret>")] = None
    slack_port: Annotated[int, example("3000"), Field(ge=1, le=65535)] = 3000
    # Where the bot tells its admins that alerts to a channel have stopped (a channel id).
    slack_admin_channel: Annotated[str | None, example("C0123ADMIN")] = None

    # Roles: each lists platform user ids and group ids (Slack user groups start with S), as JSON:
    # OVERSIGHT_ROLES='{"admin": ["U012ABC"], "oversight": ["S0OVERSIGHT"]}'. With no "reader"
    # list, everyone may read. The terminal console's operator holds every role.
    roles: Annotated[dict[str, list[str]], NoDecode, example('{"admin": ["U012ABC"]}')] = {}
    # Who may change a channel's subscriptions: "anyone" (in the channel), "admins", or
    # "group:<Slack user group id or role name>".
    subscription_changes: Annotated[str, example("admins")] = "anyone"
    digest_time_zone: Annotated[str, example("Europe/London")] = "Europe/London"
    # Concerns flagged for the oversight lead to consider segment action: "category:severity",
    # meaning that category at that severity or worse. Configuration, not an NHS England rule.
    concern_flag_rules: Annotated[
        list[str], NoDecode, example("patient_safety:high,governance_leadership:critical")
    ] = [
        "governance_leadership:critical",
        "patient_safety:critical",
    ]
    # Closed concerns are deleted this many days after closing, by `oversight concerns retention`
    # (an explicit, audited command). Unset: nothing is ever deleted. At least MIN_RETENTION_DAYS.
    concern_retention_days: Annotated[int | None, example("365"), Field(ge=MIN_RETENTION_DAYS)] = None
    # Alert delivery: the gap after Slack answers before the next message to the same channel
    # (Slack allows about one a second),
    # how long a claim lasts before another worker may take it over, and the send timeout.
    alert_interval_s: Annotated[float, example("1.0"), Field(ge=0)] = 1.0
    alert_lease_s: Annotated[float, example("60"), Field(gt=0)] = 60.0
    alert_send_timeout_s: Annotated[float, example("10"), Field(gt=0)] = 10.0

    # Release checks (docs/releases.md): the sources to watch (default: seeds/releases.toml), how
    # often the worker checks them (unset: never by itself; `oversight releases check` on demand),
    # the hosts they may be fetched from (https only), and the limits on what is fetched.
    releases_file: Annotated[Path | None, example("/etc/oversight/releases.toml")] = None
    releases_check_hours: Annotated[float | None, example("6"), Field(ge=0.25, le=24 * 7)] = None
    releases_allowed_hosts: Annotated[list[str], NoDecode, example(",".join(RELEASE_HOSTS))] = Field(
        default_factory=lambda: list(RELEASE_HOSTS)
    )
    # Tests only: also fetch plain http from 127.0.0.1 (the tests' stand-in publisher). Never in production.
    releases_allow_local_http: Annotated[bool, example("false")] = False
    releases_max_mb: Annotated[int, example("100"), Field(ge=1, le=2000)] = 100
    releases_timeout_s: Annotated[float, example("30"), Field(gt=0, le=600)] = 30.0

    # Microsoft Teams (docs/teams.md): the bot's Microsoft Entra app registration (single tenant:
    # new multi-tenant bots cannot be registered), and the port of POST /api/messages.
    teams_app_id: Annotated[str | None, example("11111111-2222-4333-8444-555555555555")] = None
    teams_app_password: Annotated[SecretStr | None, example("<the app's client secret>")] = None
    teams_tenant_id: Annotated[str | None, example("72f988bf-86f1-41af-91ab-2d7cd011db47")] = None
    teams_port: Annotated[int, example("3978"), Field(ge=1, le=65535)] = 3978
    # Local and test use only: accept requests that carry no token (the Microsoft 365 Agents
    # Playground sends none). Never in production: anyone could then speak as anyone.
    teams_allow_anonymous: Annotated[bool, example("false")] = False
    # Where the bot tells its admins that alerts to a conversation have stopped, when Slack's admin
    # channel is not set: a Teams channel's conversation id (19:…@thread.tacv2) where the bot is.
    teams_admin_conversation: Annotated[str | None, example("19:abc123@thread.tacv2")] = None
    # The Teams app package (`oversight teams package`): who publishes it, and their pages.
    teams_developer_name: Annotated[str | None, example("NHS England oversight tooling")] = None
    teams_website_url: Annotated[str | None, example("https://oversight.example.nhs.uk")] = None
    teams_privacy_url: Annotated[str | None, example("https://oversight.example.nhs.uk/privacy")] = None
    teams_terms_url: Annotated[str | None, example("https://oversight.example.nhs.uk/terms")] = None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"is not a logging level ({', '.join(LOG_LEVELS)})")
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() not in ("text", "json"):
            raise ValueError("is not a log format (text or json)")
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("audit_key")
    @classmethod
    def _audit_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < AUDIT_KEY_MIN:
            raise ValueError(f"is shorter than {AUDIT_KEY_MIN} characters, too short to be a key")
        return value

    @field_validator("nof2026_thresholds")
    @classmethod
    def _thresholds(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            numbers = [Decimal(part.strip()) for part in value.split(",")]
        except InvalidOperation:
            raise ValueError("is not three numbers") from None
        if len(numbers) != 3 or not numbers[0] < numbers[1] < numbers[2]:
            raise ValueError("is not three rising numbers (the highest average in segments 1, 2 and 3)")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        return check_token(value, ("xoxb-", "xoxe.xoxb-"), "the Bot User OAuth Token (OAuth & Permissions)")

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        return check_token(value, ("xapp-",), "an app-level token (Basic Information > App-Level Tokens)")

    @field_validator("slack_signing_secret", "slack_client_secret", "teams_app_password")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None  # set but empty is unset, as for every other setting
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value.strip()):
            raise ValueError("is not a web address (http:// or https://)")
        return value.strip()

    @field_validator("teams_website_url", "teams_privacy_url", "teams_terms_url")
    @classmethod
    def _page(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.match(r"^https://[^\s/]+", value.strip()):
            raise ValueError("is not an https:// web address (Teams shows only https pages)")
        return value.strip()

    @field_validator("slack_admin_channel")
    @classmethod
    def _admin_channel(cls, value: str | None) -> str | None:
        if value and not _SLACK_CHANNEL.match(value):
            raise ValueError("is not a Slack channel id (C…, or T…:C… for one workspace of several)")
        return value or None

    @field_validator("teams_app_id", "teams_tenant_id")
    @classmethod
    def _guid(cls, value: str | None) -> str | None:
        if value and not _GUID.match(value.strip()):
            raise ValueError("is not a Microsoft Entra id (a GUID, as the Azure portal shows it)")
        return value.strip() if value else None

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        roles = _json(value, "a JSON object of role names and id lists") if isinstance(value, str) else value
        if not isinstance(roles, dict) or not all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in roles.values()
        ):
            raise ValueError("is not a JSON object of role names and id lists")
        unknown = [name for name in roles if name not in ROLE_NAMES]
        if unknown:
            raise ValueError(f"names an unknown role {unknown[0]!r} (the roles are {', '.join(ROLE_NAMES)})")
        return roles

    @field_validator("subscription_changes")
    @classmethod
    def _subscription_changes(cls, value: str) -> str:
        policy, colon, group = value.partition(":")
        if policy not in ("anyone", "admins", "group") or (policy == "group") != bool(colon and group):
            raise ValueError("is not anyone, admins or group:<Slack user group id or role>")
        return value

    @field_validator("digest_time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        check_time_zone(value)
        return value

    @field_validator("concern_flag_rules", mode="before")
    @classmethod
    def _flag_rules(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            value = _json(text, "a list of category:severity") if text.startswith("[") else text.split(",")
        if not isinstance(value, list) or not all(isinstance(rule, str) for rule in value):
            raise ValueError("is not a list of category:severity rules")
        rules = [rule.strip() for rule in value if rule.strip()]
        for rule in rules:
            check_flag_rule(rule)
        return rules

    @field_validator("releases_allowed_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: object) -> object:
        hosts = value.split(",") if isinstance(value, str) else value
        if not isinstance(hosts, list) or not all(isinstance(host, str) for host in hosts):
            raise ValueError("is not a list of host names")
        hosts = [host.strip().lower() for host in hosts if host.strip()]
        if not hosts:
            raise ValueError("is empty: name the hosts releases may be fetched from")
        wrong = next((host for host in hosts if not is_host_name(host)), None)
        if wrong is not None:
            raise ValueError(f"has {wrong!r}, which is not a host name (no https://, path or port)")
        return hosts

    @property
    def releases_path(self) -> Path:
        return self.releases_file or self.seeds_dir / "releases.toml"

    @property
    def release_policy(self) -> UrlPolicy:
        return UrlPolicy(frozenset(self.releases_allowed_hosts), self.releases_allow_local_http)

    @property
    def frameworks_path(self) -> Path:
        return self.frameworks_file or self.seeds_dir / "frameworks.toml"

    @property
    def slack_configured(self) -> bool:
        return self.slack_socket_mode or self.slack_http_mode

    @property
    def slack_socket_mode(self) -> bool:
        return self.slack_app_token is not None and self.slack_bot_token is not None

    @property
    def slack_http_mode(self) -> bool:
        single_workspace = self.slack_bot_token is not None
        return self.slack_signing_secret is not None and (single_workspace or self.slack_oauth)

    @property
    def slack_oauth(self) -> bool:
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def teams_configured(self) -> bool:
        return self.teams_app_id is not None or self.teams_allow_anonymous


# Checks of single values, shared by the validators above and by commands that take the same values.


def check_database_url(value: str) -> str:
    """SQLite or PostgreSQL (through psycopg, the driver installed); nothing else is supported."""
    if sqlite_file_path(value) is not None:  # the embedded default's form, known good without SQLAlchemy
        return value
    from sqlalchemy.engine import make_url  # deferred: SQLAlchemy takes a fifth of a second to import
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("is not a database URL") from None
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "sqlite" and driver == "pysqlite":
        return value
    if backend == "postgresql" and driver == "psycopg":
        return value
    if backend == "postgresql":
        raise ValueError(f"names the {driver} driver; the one installed is psycopg (postgresql+psycopg://)")
    raise ValueError(f"names a {backend} database; the store is SQLite or PostgreSQL")


def check_token(value: SecretStr | None, prefixes: tuple[str, ...], what: str) -> SecretStr | None:
    """A Slack token of the right kind; the other kind in its place is named (but never shown)."""
    if value is None or not value.get_secret_value().strip():
        return None
    token = value.get_secret_value().strip()
    if token.startswith(prefixes):
        return SecretStr(token)
    kinds = {"xoxb-": "a bot token", "xapp-": "an app-level token", "xoxp-": "a user token", "xoxe-": "a refresh token"}
    found = next((kind for prefix, kind in kinds.items() if token.startswith(prefix)), None)
    if found:
        raise ValueError(f"holds {found} ({token[:5]}...), not {what}: the two Slack tokens look swapped")
    raise ValueError(f"does not start with {prefixes[0]}: it should be {what}")


def check_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        if not zoneinfo.available_timezones():
            raise ValueError("cannot be checked: this machine has no time zone database (install tzdata)") from None
        raise ValueError("is not a time zone name from the IANA database") from None


def check_flag_rule(rule: str) -> None:
    from oversight_bot.domain.concerns import Category, Severity

    category, _, severity = rule.partition(":")
    if category not in {c.value for c in Category}:
        raise ValueError(f"has {rule!r}: the categories are {', '.join(c.value for c in Category)}")
    if severity not in {s.value for s in Severity}:
        raise ValueError(f"has {rule!r}: the severities are {', '.join(s.value for s in Severity)}")


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"is not valid JSON ({what})") from None


# Loading: every problem, one line each.


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the configuration: which variable, its value (unless secret), what is
    wrong with it, and a good value."""

    variable: str
    problem: str
    good: str
    value: str | None = None
    good_variable: str | None = None  # when the good value belongs to another name (a misspelling's)

    def __str__(self) -> str:
        shown = self.variable if self.value is None else f"{self.variable}={self.value!r}"
        return f"{shown} {self.problem}; for example {self.good_variable or self.variable}={self.good}"


def variable(field: str) -> str:
    return f"{PREFIX}{field.upper()}"


def good_value(field: str) -> str:
    extra = Settings.model_fields[field].json_schema_extra
    return str(extra.get("good")) if isinstance(extra, dict) else "..."


def load_settings(**overrides: Any) -> Settings:
    """The settings, every value checked alone and together; `ConfigurationError` lists each problem."""
    problems = misspelt_variables(_variables_set())
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        raise ConfigurationError([*problems, *(_from_validation(item) for item in error.errors())]) from None
    problems += configuration_problems(settings)
    if problems:
        raise ConfigurationError(problems)
    return settings


def _variables_set() -> set[str]:
    names = {name for name in os.environ if name.startswith(PREFIX)}
    if Path(ENV_FILE).is_file():
        from dotenv import dotenv_values  # pydantic-settings' own reader of .env files

        names |= {name for name in dotenv_values(ENV_FILE) if name.startswith(PREFIX)}
    return names


def misspelt_variables(names: Iterable[str]) -> list[Problem]:
    """A variable that is almost a setting's name is a typo that would silently leave the default
    in place (a mistyped database URL would start an empty store), so it is refused."""
    known = [variable(field) for field in Settings.model_fields]
    problems = []
    for name in sorted(set(names) - set(known)):
        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.85)
        if close:
            field = close[0].removeprefix(PREFIX).lower()
            problems.append(Problem(name, "is not a setting (misspelt?)", good_value(field), None, close[0]))
    return problems


_PHRASES = {
    "int_parsing": "is not a whole number",
    "int_from_float": "is not a whole number",
    "int_type": "is not a whole number",
    "float_parsing": "is not a number",
    "bool_parsing": "is not true or false",
    "path_type": "is not a file path",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
}


def _from_validation(error: Mapping[str, Any]) -> Problem:
    field = str(error["loc"][0]) if error["loc"] else "?"
    context = error.get("ctx") or {}
    if error["type"] == "value_error":
        problem = str(context.get("error", error["msg"]))
    elif error["type"] in _PHRASES:
        problem = _PHRASES[error["type"]].format(**context)
    else:
        problem = "is not valid: " + error["msg"][:1].lower() + error["msg"][1:]
    return Problem(variable(field), problem, good_value(field), _shown(field, error.get("input")))


def _shown(field: str, value: object) -> str | None:
    """The value as the message may repeat it: never a secret, a database password or a long text."""
    if field not in Settings.model_fields or not isinstance(value, str | int | float) or len(str(value)) > 100:
        return None
    if Settings.model_fields[field].annotation in (SecretStr, SecretStr | None):
        return None
    if field == "database_url":
        return _without_password(str(value))
    return str(value)


def _without_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return None if "@" in url else url


def configuration_problems(settings: Settings) -> list[Problem]:
    """What is wrong with the values together: a chat platform half configured, missing files."""
    return [
        *slack_problems(settings),
        *teams_problems(settings),
        *file_problems(settings),
        *release_source_problems(settings)[1],
    ]


def slack_problems(settings: Settings) -> list[Problem]:
    bot, app, signing = settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret
    client_id, client_secret = settings.slack_client_id, settings.slack_client_secret
    if not any((bot, app, signing, client_id, client_secret)):
        return []
    problems = []
    if bool(client_id) != bool(client_secret):
        missing = "slack_client_secret" if client_id else "slack_client_id"
        problems.append(_missing(missing, "OAuth installs need both the client id and the client secret"))
    if settings.slack_oauth and signing is None:
        problems.append(_missing("slack_signing_secret", "OAuth installs run in HTTP mode, which needs it"))
    if app is not None and bot is None and not settings.slack_oauth:
        problems.append(_missing("slack_bot_token", "Socket Mode needs it beside the app-level token"))
    if signing is not None and bot is None and not (client_id or client_secret):
        problems.append(
            _missing("slack_bot_token", "HTTP mode needs it (or a client id and secret for OAuth installs)")
        )
    if bot is not None and app is None and signing is None:
        problems.append(
            Problem(
                variable("slack_app_token"),
                "is not set, nor is OVERSIGHT_SLACK_SIGNING_SECRET: a bot token alone cannot receive anything "
                "(set the app-level token for Socket Mode, or the signing secret for HTTP mode)",
                good_value("slack_app_token"),
            )
        )
    return problems


def teams_problems(settings: Settings) -> list[Problem]:
    app_id, password, tenant = settings.teams_app_id, settings.teams_app_password, settings.teams_tenant_id
    if settings.teams_allow_anonymous and app_id:
        return [
            Problem(
                variable("teams_allow_anonymous"),
                "is for local use without an app id: unset it when OVERSIGHT_TEAMS_APP_ID is set",
                "false",
            )
        ]
    if not any((app_id, password, tenant)):
        return []
    needed = {"teams_app_id": app_id, "teams_app_password": password, "teams_tenant_id": tenant}
    return [
        _missing(name, "Teams needs the app id, its client secret and the tenant id together")
        for name, value in needed.items()
        if not value
    ]


def file_problems(settings: Settings) -> list[Problem]:
    problems = []
    if settings.seed_on_first_use and not settings.seeds_dir.is_dir():
        problems.append(
            Problem(variable("seeds_dir"), "is not a folder", good_value("seeds_dir"), str(settings.seeds_dir))
        )
    path = settings.frameworks_path
    if not path.is_file() and not problems:
        field = "frameworks_file" if settings.frameworks_file else "seeds_dir"
        problems.append(
            Problem(variable(field), f"has no framework definitions ({path} does not exist)", good_value(field))
        )
    return problems


def release_sources(settings: Settings) -> list[Source]:
    """The release sources configured (OVERSIGHT_RELEASES_FILE), each checked; ConfigurationError names
    every problem."""
    sources, problems = release_source_problems(settings)
    if problems:
        raise ConfigurationError(problems)
    return sources


def release_source_problems(settings: Settings) -> tuple[list[Source], list[Problem]]:
    path = settings.releases_path
    shown = str(path)
    if not path.is_file():
        if settings.releases_file is not None:
            return [], [Problem(variable("releases_file"), "is not a file", good_value("releases_file"), shown)]
        if settings.releases_check_hours is not None:
            problem = f"is not set, and there is no {path}: OVERSIGHT_RELEASES_CHECK_HOURS would check nothing"
            return [], [Problem(variable("releases_file"), problem, good_value("releases_file"))]
        return [], []  # no sources beside the seeds, and no checks asked for: nothing to watch
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        problem = f"cannot be read as TOML ({str(error).splitlines()[0] if str(error) else type(error).__name__})"
        return [], [Problem(variable("releases_file"), problem, good_value("releases_file"), shown)]
    sources, found = sources_from(data, settings.release_policy)
    problems = []
    for item in found:
        if item.field == "host":
            hosts = ",".join([*settings.releases_allowed_hosts, item.good])
            problem = f"does not include {item.good}, the host of {item.where}'s address {item.problem!r} ({path})"
            problems.append(Problem(variable("releases_allowed_hosts"), problem, hosts))
        else:
            problem = f"{item.where}: {item.field} {item.problem}"
            problems.append(Problem(variable("releases_file"), problem, item.good, shown, good_variable=item.field))
    return sources, problems


def _missing(field: str, why: str) -> Problem:
    return Problem(variable(field), f"is not set: {why}", good_value(field))


def require(condition: bool, field: str, why: str) -> None:
    """For a command that needs a setting the configuration may leave out (`serve --teams`)."""
    if not condition:
        raise ConfigurationError([_missing(field, why)])
