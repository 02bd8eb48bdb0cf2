"""Charts in Slack answers. A slash command is answered at once with the words (and "a chart
follows"); then, off the request thread, the chart's PNG is uploaded privately (files.getUploadURLExternal,
the upload itself, files.completeUploadExternal, with no channel: the `files:write` scope) and the
answer is replaced by the same words with the chart in an image block that names the file
(`slack_file`), which Slack shows to whoever can see the message the bot posted.

Slack processes an uploaded file for a moment after files.completeUploadExternal returns; a
message naming it before then is refused (`invalid_blocks`), so the answer is sent again after
short waits, and without the chart (saying so) if Slack still refuses it. An upload is kept per
workspace and chart key (the data version), so the same chart is uploaded once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from oversight_bot.charts.cache import ChartCache, file_stem, shared
from oversight_bot.chat.replies import Chart

logger = logging.getLogger(__name__)

UPLOAD_ALT_TEXT = 1000  # files.getUploadURLExternal's alt_txt
PROCESSING_WAITS_S = (0.5, 1.0, 2.0, 4.0)
NOT_SHOWN = "The chart could not be shown in Slack just now; its figures are in this answer."

Message = Callable[[str | None, str | None], dict[str, Any]]  # (file id, note) -> text and blocks


class ChartUploads:
    """File ids of charts uploaded to each workspace, by chart key."""

    def __init__(self, drawings: ChartCache = shared, waits_s: tuple[float, ...] | None = None) -> None:
        self.drawings = drawings
        self.waits_s = PROCESSING_WAITS_S if waits_s is None else waits_s
        self._files: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def file_for(self, client: WebClient, workspace: str, chart: Chart) -> str | None:
        """The chart's file in this workspace, uploaded now if it has not been; None if it cannot be."""
        key = (workspace, chart.key)
        with self._lock:
            found = self._files.get(key)
        if found is not None:
            return found
        try:
            png = self.drawings.png(chart)
            uploaded = client.files_upload_v2(
                content=png,
                filename=f"{file_stem(chart)}.png",
                title=chart.title,
                alt_txt=chart.alt_text[:UPLOAD_ALT_TEXT],
            )
            file_id = str(uploaded["file"]["id"])
        except (SlackClientError, OSError, KeyError, TypeError, ValueError) as error:
            logger.warning("chart not uploaded: %s", _why(error))
            return None
        with self._lock:
            self._files[key] = file_id
        return file_id

    def send(self, respond: Respond, message: Message, file_id: str | None, **how: Any) -> None:
        """Send the answer with its chart, waiting while Slack still processes the file; without it
        (and saying so) if the file cannot be shown."""
        try:
            if file_id is not None:
                for wait in (0.0, *self.waits_s):
                    time.sleep(wait)
                    sent = respond(**how, **message(file_id, None))
                    if not _file_not_ready(sent.status_code, sent.body):
                        return
                logger.warning("chart not shown: Slack did not accept its file in time")
            respond(**how, **message(None, NOT_SHOWN))
        except (SlackClientError, OSError, ValueError) as error:  # the answer without a chart is already there
            logger.warning("answer with its chart not sent: %s", _why(error))


def _file_not_ready(status: int, body: str) -> bool:
    """Slack's answer to a message naming a file it has not finished processing: a 404 with
    `invalid_blocks` (a response URL's answer)."""
    if status == 200:
        return False
    try:
        answer = json.loads(body or "{}")
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("error") == "invalid_blocks"


def _why(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return f"{type(error).__name__} {error.response.get('error')}"
    return type(error).__name__
