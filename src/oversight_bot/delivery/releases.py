"""The worker's release checks: at every poll, a check if one is due (the store decides, so that of
several workers one checks per interval), until stopped. A check that fails (the store down, a
bug) is logged by its type and tried again at the next poll; it never stops the worker."""

from __future__ import annotations

import logging
import threading

from oversight_bot.errors import StoreUnavailable
from oversight_bot.logs import error_frames
from oversight_bot.services.release_checks import ReleaseChecks

logger = logging.getLogger(__name__)

POLL_S = 60.0  # how often a worker asks whether a check is due (the interval itself is hours)


class ReleaseSchedule:
    def __init__(self, checks: ReleaseChecks, poll_s: float = POLL_S) -> None:
        self.checks = checks
        self.poll_s = poll_s

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                self.run_once()
                stop.wait(self.poll_s)
        finally:
            self.checks.close()

    def run_once(self) -> bool:
        """One poll: a check if one is due. Whether a check ran here."""
        try:
            report = self.checks.check_if_due()
        except StoreUnavailable:
            logger.warning("the store is unavailable; the release check is tried again in %.0f s", self.poll_s)
            return False
        except Exception as error:
            logger.error("a release check failed: %s; tried again at the next interval", type(error).__name__)
            logger.debug("release check %s at:\n%s", type(error).__name__, error_frames(error))
            return False
        if report is not None:
            imported = sum(1 for f in report.files if f.outcome.value == "imported")
            logger.info("release check: %d file(s) imported; %s", imported, "trouble" if report.troubled else "ok")
        return report is not None
