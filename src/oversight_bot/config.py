"""Settings, from OVERSIGHT_* environment variables and an optional `.env` file.

Built once by an entrypoint and passed down; nothing reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository's seeds/ folder, for a source checkout (the embedded default).
DEFAULT_SEEDS = Path(__file__).resolve().parents[2] / "seeds"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OVERSIGHT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///oversight.db"
    seeds_dir: Path = DEFAULT_SEEDS
    # Create and load the seed data into an empty store on first use (the embedded default).
    seed_on_first_use: bool = True
    frameworks_file: Path | None = None
    # NOF 2026/27 thresholds ("2.05,2.35,2.70"); not published yet, so nothing is assumed.
    nof2026_thresholds: str | None = None
    # Answers warn when the quarter they show ended more than this many months ago (docs/data.md).
    stale_after_months: int = Field(default=6, ge=1, le=60)
    log_level: str = "WARNING"

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    # The Slack Web API's base URL: Slack's own unless a stand-in (tests, staging) is wanted.
    slack_api_url: str = "https://slack.com/api/"
    # Multi-workspace installs (OAuth), when both are set; installations are kept in the store.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_port: int = 3000
    # Where the bot tells its admins that alerts to a channel have stopped (a channel id).
    slack_admin_channel: str | None = None

    # Roles: each lists platform user ids and group ids (Slack user groups start with S), as JSON:
    # OVERSIGHT_ROLES='{"admin": ["U012ABC"], "oversight": ["S0OVERSIGHT"]}'. With no "reader"
    # list, everyone may read. The terminal console's operator holds every role.
    roles: dict[str, list[str]] = {}
    # Who may change a channel's subscriptions: "anyone" (in the channel), "admins", or
    # "group:<Slack user group id or role name>".
    subscription_changes: str = "anyone"
    digest_time_zone: str = "Europe/London"
    # Concerns flagged for the oversight lead to consider segment action: "category:severity",
    # meaning that category at that severity or worse. Configuration, not an NHS England rule.
    concern_flag_rules: list[str] = ["governance_leadership:critical", "patient_safety:critical"]
    # Closed concerns are deleted this many days after closing, by `oversight concerns retention`
    # (an explicit, audited command). Unset: nothing is ever deleted.
    concern_retention_days: int | None = None
    # Alert delivery: the gap after Slack answers before the next message to the same channel
    # (Slack allows about one a second),
    # how long a claim lasts before another worker may take it over, and the send timeout.
    alert_interval_s: float = 1.0
    alert_lease_s: float = 60.0
    alert_send_timeout_s: float = 10.0

    # Microsoft Teams (docs/teams.md): the bot's Microsoft Entra app registration (single tenant:
    # new multi-tenant bots cannot be registered), and the port of POST /api/messages.
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_tenant_id: str | None = None
    teams_port: int = 3978
    # Local and test use only: accept requests that carry no token (the Microsoft 365 Agents
    # Playground sends none). Never in production: anyone could then speak as anyone.
    teams_allow_anonymous: bool = False
    # Where the bot tells its admins that alerts to a conversation have stopped, when Slack's admin
    # channel is not set: a Teams channel's conversation id (19:…@thread.tacv2) where the bot is.
    teams_admin_conversation: str | None = None
    # The Teams app package (`oversight teams package`): who publishes it, and their pages.
    teams_developer_name: str | None = None
    teams_website_url: str | None = None
    teams_privacy_url: str | None = None
    teams_terms_url: str | None = None

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
