"""The alert worker against the Slack stand-in: what arrives, once, in the right form."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from oversight_bot.bootstrap import Application
from oversight_bot.domain.subscriptions import EventKind, Filters, Target, TargetKind
from oversight_bot.store.tables import AlertDeliveryRow
from tests.integration.alerts.conftest import ALL, CHANNEL, drain, import_q2, subscribe, worker_for
from tests.integration.slack.conftest import text_of
from tests.slack_standin import SlackStandIn


def statuses(app: Application) -> Counter[str]:
    with app.session_factory() as session:
        return Counter(session.scalars(select(AlertDeliveryRow.status)))


def settled(app: Application) -> bool:
    """Deliveries exist and none is still waiting or in flight."""
    counts = statuses(app)
    return bool(counts) and not (counts["pending"] or counts["sending"] or counts["retry"])


def test_a_quarter_that_moves_many_trusts_is_one_list_per_channel(baseline: Application, standin: SlackStandIn) -> None:
    subscribe(baseline, ALL)
    assert import_q2(baseline) == 23
    worker = worker_for(baseline)
    drain([worker], lambda: statuses(baseline) == Counter({"sent": 23}))
    (post,) = standin.posts(CHANNEL)
    shown = text_of(post.body)
    # 23 events about 18 organisations: 15 moved segment; NHS England's deficit flag was set on one
    # and cleared on three without moving them (tests/integration/test_store.py checks the 23 against
    # the file's summary rows).
    assert "Segment changes, Q2 2025/26: 18 organisations" in shown
    assert shown.count(" moved from segment ") == 15
    assert (
        "R1A Herefordshire and Worcestershire Health and Care: no longer flagged as in deficit or receiving "
        "deficit support; segment 3" in shown
    )
    # RY2 was flagged in Q1 and in Q2: nothing was applied in Q2, so nothing is said.
    assert "RY2" not in shown and "override" not in shown
    assert (
        "RXV Greater Manchester Mental Health moved from segment 5 to 4: left the Provider Improvement Programme"
        in shown
    )
    assert post.headers["authorization"] == "Bearer xoxb-alerts"
    worker.close()


def test_one_organisations_move_is_a_headline_with_details_behind_a_button(
    baseline: Application, standin: SlackStandIn
) -> None:
    subscribe(baseline, Target(TargetKind.ORGANISATION, "RXV"))
    import_q2(baseline)
    worker = worker_for(baseline)
    drain([worker], lambda: statuses(baseline).get("sent", 0) == 2)  # segment changed + left segment 5
    (post,) = standin.posts(CHANNEL)
    message = post.body
    expected = "RXV Greater Manchester Mental Health moved from segment 5 to 4: left the Provider Improvement Programme"
    assert post.body["text"] == f"{expected}, Q2 2025/26"
    buttons = {
        b["text"]["text"]: b["value"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for b in block["elements"]
    }
    assert buttons["Details"] == "segment RXV"
    worker.close()


def test_filters_decide_what_a_channel_hears(baseline: Application, standin: SlackStandIn) -> None:
    subscribe(baseline, ALL, filters=Filters(min_segment=4, worsened_only=True))
    subscribe(baseline, ALL, channel="C0CONCERNS", events=frozenset({EventKind.CONCERNS}))
    import_q2(baseline)
    worker = worker_for(baseline)
    drain([worker], lambda: settled(baseline))
    (post,) = standin.posts(CHANNEL)
    shown = text_of(post.body)
    assert " to 4" in shown and " to 3" not in shown and " to 2" not in shown
    assert standin.posts("C0CONCERNS") == []  # it asked for concerns only; these are segment moves
    worker.close()


def test_a_channel_subscribed_twice_over_hears_each_thing_once(baseline: Application, standin: SlackStandIn) -> None:
    subscribe(baseline, ALL)
    subscribe(baseline, Target(TargetKind.REGION, "North West"))
    subscribe(baseline, Target(TargetKind.ORGANISATION, "RXV"))
    import_q2(baseline)
    worker = worker_for(baseline)
    drain([worker], lambda: settled(baseline))
    assert len(standin.posts(CHANNEL)) == 1
    worker.close()


def test_a_subscription_made_after_the_change_hears_nothing_of_it(baseline: Application, standin: SlackStandIn) -> None:
    import_q2(baseline)
    subscribe(baseline, ALL)
    worker = worker_for(baseline)
    worker.run_once()
    worker.run_once()
    assert standin.posts() == [] and statuses(baseline) == Counter()
    worker.close()


def test_fanning_out_again_delivers_nothing_twice(baseline: Application, standin: SlackStandIn) -> None:
    subscribe(baseline, ALL)
    import_q2(baseline)
    worker = worker_for(baseline)
    drain([worker], lambda: statuses(baseline).get("sent") == 23)
    with baseline.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE outbox_events SET dispatched_at = NULL")  # as if a fan-out was interrupted
    worker.run_once()
    worker.run_once()
    assert statuses(baseline) == Counter({"sent": 23})
    assert len(standin.posts(CHANNEL)) == 1
    worker.close()
