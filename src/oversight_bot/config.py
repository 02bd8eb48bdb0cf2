"""Settings, from OVERSIGHT_* environment variables and an optional `.env` file.

Built once by an entrypoint and passed down; nothing reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
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
    log_level: str = "WARNING"

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None

    teams_app_id: str | None = None

    @property
    def frameworks_path(self) -> Path:
        return self.frameworks_file or self.seeds_dir / "frameworks.toml"

    @property
    def slack_configured(self) -> bool:
        return self.slack_bot_token is not None and (
            self.slack_app_token is not None or self.slack_signing_secret is not None
        )

    @property
    def teams_configured(self) -> bool:
        return self.teams_app_id is not None
