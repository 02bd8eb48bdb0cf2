"""Charts in Slack, against Slack's documented upload flow (the stand-in answers
files.getUploadURLExternal, the upload URL and files.completeUploadExternal as Slack documents
them, and refuses a message naming a file not yet processed as Slack does): the answer comes at
once, then is replaced by the same answer with its chart, uploaded privately once per data version."""

from __future__ import annotations

import pytest
from slack_bolt import App

from oversight_bot.slack import charts as slack_charts
from tests.integration.slack.conftest import buttons_of, dispatch, reply_of, text_of
from tests.integration.slack.test_conformance import valid_blocks
from tests.slack_requests import block_action, slash_command
from tests.slack_standin import SlackStandIn

PNG = b"\x89PNG\r\n\x1a\n"


def test_a_trend_is_answered_at_once_then_shown_with_its_chart(bolt: App, standin: SlackStandIn) -> None:
    url = standin.response_url("trend")
    first = reply_of(dispatch(bolt, slash_command("/oversight", "trend RWR", response_url=url)))
    assert "A chart of these figures follows" in text_of(first) and "Q2 2025/26: average 1.97" in text_of(first)
    valid_blocks(first)
    (sent,) = standin.wait_for("response:trend")
    assert sent.accepted and sent.body["replace_original"] is True and sent.body["response_type"] == "ephemeral"
    valid_blocks(sent.body)  # slack_sdk's own Block Kit models accept the image block (slack_file)
    (file_id,) = standin.image_files(sent)
    upload = standin.uploads[file_id]
    assert upload["data"].startswith(PNG) and len(upload["data"]) == upload["length"]
    assert "1.97" in upload["alt_txt"] and upload["filename"].endswith(".png")
    (image,) = [b for b in sent.body["blocks"] if b["type"] == "image"]
    assert "Average metric score of Hertfordshire" in image["alt_text"]
    (completed,) = standin.calls_to("files.completeUploadExternal")
    assert not completed.body.get("channel_id") and not completed.body.get("channels")  # private to the bot
    assert "Q2 2025/26: average 1.97" in text_of(sent.body) and "follows" not in text_of(sent.body)
    assert "Share in channel" in buttons_of(sent.body)


def test_the_same_chart_is_uploaded_once_per_data_version(bolt: App, standin: SlackStandIn) -> None:
    for name in ("a", "b"):
        dispatch(bolt, slash_command("/oversight", "metric RR8 cancer 62", response_url=standin.response_url(name)))
    (first,) = standin.wait_for("response:a")
    (second,) = standin.wait_for("response:b")
    assert standin.image_files(first) == standin.image_files(second)
    assert len(standin.calls_to("files.getUploadURLExternal")) == 1


def test_a_file_slack_is_still_processing_is_shown_once_it_is_ready(bolt: App, standin: SlackStandIn) -> None:
    standin.processing_s = 0.6
    dispatch(bolt, slash_command("/oversight", "metric RR8", response_url=standin.response_url("m")))
    sent = standin.calls_to("response:m")
    assert [c.answer.get("error") if c.answer else None for c in sent[:-1]] == ["invalid_blocks"] * (len(sent) - 1)
    assert len(sent) >= 2 and sent[-1].accepted and standin.image_files(sent[-1])


def test_a_chart_slack_never_accepts_is_left_out_and_said_to_be(
    bolt: App, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_charts, "PROCESSING_WAITS_S", (0.05, 0.05))
    standin.processing_s = 60
    answer = dispatch(bolt, slash_command("/oversight", "trend RR8", response_url=standin.response_url("t")))
    assert answer.status == 200
    last = standin.calls_to("response:t")[-1]
    assert last.accepted and not standin.image_files(last)
    assert slack_charts.NOT_SHOWN in text_of(last.body) and "Q3 2025/26: average 2.56" in text_of(last.body)


def test_a_button_answer_and_a_shared_one_show_the_chart_too(bolt: App, standin: SlackStandIn) -> None:
    press = block_action("run_command:0", "trend RWR", response_url=standin.response_url("press"))
    dispatch(bolt, press)
    (pressed,) = standin.wait_for("response:press")
    (file_id,) = standin.image_files(pressed)
    share = block_action("share_in_channel", "trend RWR", response_url=standin.response_url("share"))
    dispatch(bolt, share)
    posted = [c for c in standin.calls_to("response:share") if c.body.get("response_type") == "in_channel"]
    assert posted and standin.image_files(posted[0]) == [file_id]  # the same upload, not another
    valid_blocks(posted[0].body)
