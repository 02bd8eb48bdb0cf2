"""Alert messages, composed from the events a delivery group carries: a one-line headline per
organisation ("RWR Hertfordshire Partnership moved from segment 2 to 3: financial override
applied, Q2 2025/26"), with the detail behind a button; a list when many organisations moved;
a digest once a day. Concern alerts say organisation, category, severity and reference only."""

from __future__ import annotations

from collections import Counter

from oversight_bot.chat.replies import Choice, Reply, ReplyKind, Section
from oversight_bot.domain.organisations import short_name
from oversight_bot.domain.quarters import Quarter
from oversight_bot.services.alerts import ClaimedGroup, EventRecord
from oversight_bot.services.segments import SegmentReader

MAX_LINES = 150
# What each event says; only what NHS England published in both quarters (docs/data.md). The
# deficit flag is NHS England's OF5004: its change is announced as a flag, never as an override
# removed while the flag is still set.
CAUSES = {
    "deficit_flag_set": "now flagged as in deficit or receiving deficit support",
    "deficit_flag_cleared": "no longer flagged as in deficit or receiving deficit support",
    "entered_segment_5": "entered the Provider Improvement Programme (segment 5)",
    "left_segment_5": "left the Provider Improvement Programme",
}
# Events of these kinds were written by versions before the deficit flag was announced as such;
# one still waiting in an outbox is told in words that claim nothing about the override.
CAUSES |= {
    "financial_override_applied": "financial override applied",
    "financial_override_removed": "financial override no longer changes its segment",
}
SEGMENT_5_UNPUBLISHED = "segment 5 not published for {quarter}"
CONCERN_KIND = "concern_logged"


def event_words(kind: str, previous_segment: int, segment: int) -> str:
    """One event in words, for the import's report: "moved from segment 2 to 3"."""
    if kind == "segment_changed":
        return f"moved from segment {previous_segment} to {segment}"
    return f"{CAUSES.get(kind, kind.replace('_', ' '))} (segment {segment})"


def compose_alert(group: ClaimedGroup, reader: SegmentReader) -> Reply:
    by_organisation: dict[str, list[EventRecord]] = {}
    for event in group.events:
        by_organisation.setdefault(event.ods_code, []).append(event)
    reference = f"Alert ref A{min(group.delivery_ids)}"
    if group.group.startswith("digest:"):
        return _listed("Daily digest", by_organisation, reader, reference)
    if len(by_organisation) == 1:
        code, events = next(iter(by_organisation.items()))
        return _single(code, events, reader, reference)
    return _listed("Segment changes", by_organisation, reader, reference)


def headline(code: str, events: list[EventRecord], reader: SegmentReader, *, with_quarter: bool = True) -> str:
    organisation = reader.organisation(code)
    who = f"{code} {short_name(organisation.name) if organisation else code}"
    concerns = [e for e in events if e.kind == CONCERN_KIND]
    moves = [e for e in events if e.kind != CONCERN_KIND]
    parts = [_move(who, moves, with_quarter)] if moves else []
    parts += [_concern(who if not moves else "", e) for e in concerns]
    return "; ".join(part for part in parts if part)


def _move(who: str, events: list[EventRecord], with_quarter: bool) -> str:
    payload = events[0].payload
    quarter = f", {payload['quarter']}" if with_quarter else ""
    since = _since(payload)
    unpublished = (
        f" ({SEGMENT_5_UNPUBLISHED.format(quarter=_unpublished_quarter(payload))})"
        if payload.get("segment_5_unpublished")
        else ""
    )
    causes = [CAUSES[e.kind] for e in events if e.kind in CAUSES]
    if any(e.kind == "segment_changed" for e in events):
        because = f": {', '.join(causes)}" if causes else ""
        moved = f"moved from segment {payload['previous_segment']}{since} to {payload['segment']}"
        return f"{who} {moved}{because}{quarter}{unpublished}"
    return f"{who}: {', '.join(causes)}; segment {payload['segment']}{quarter}"


def _since(payload: dict[str, object]) -> str:
    """Name the earlier quarter when it is not the one just before (a release was missed)."""
    try:
        quarter, previous = Quarter.parse(str(payload["quarter"])), Quarter.parse(str(payload["previous_quarter"]))
    except (KeyError, ValueError):
        return ""
    return f" ({previous})" if previous != quarter.previous() else ""


def _unpublished_quarter(payload: dict[str, object]) -> str:
    """Which of the two quarters left segment 5 unpublished: the later one, unless it published it."""
    return str(payload.get("quarter", "this quarter"))


def _concern(who: str, event: EventRecord) -> str:
    p = event.payload
    category, severity = p.get("category", "uncategorised"), p.get("severity", "unknown")
    text = f"new concern logged ({category}, {severity} severity), reference {p.get('reference', '?')}"
    if p.get("flagged"):
        text += ", flagged for segment review"
    return f"{who}: {text}" if who else text


def _single(code: str, events: list[EventRecord], reader: SegmentReader, reference: str) -> Reply:
    line = headline(code, events, reader)
    segment = next((int(e.payload["segment"]) for e in events if "segment" in e.payload), None)
    concerns = [e.payload["reference"] for e in events if e.kind == CONCERN_KIND and "reference" in e.payload]
    # A concern's View button lets those allowed read it (checked, and recorded, when pressed).
    views = tuple(Choice(f"View {ref}" if len(concerns) > 1 else "View", f"view {ref}") for ref in concerns[:5])
    choices = (*views, Choice("Details", f"segment {code}"), Choice("History", f"history {code}"))
    return Reply(ReplyKind.ANSWER, line, line, choices=choices, footnote=reference, segment=segment)


def _listed(
    heading: str, by_organisation: dict[str, list[EventRecord]], reader: SegmentReader, reference: str
) -> Reply:
    quarters = Counter(
        e.payload["quarter"] for events in by_organisation.values() for e in events if "quarter" in e.payload
    )
    quarter = f", {quarters.most_common(1)[0][0]}" if len(quarters) == 1 else ""
    ordered = sorted(by_organisation.items(), key=lambda item: (-_worsening(item[1]), item[0]))
    lines = [headline(code, events, reader, with_quarter=not quarter) for code, events in ordered]
    count = len(lines)
    if count > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"... and {count - MAX_LINES} more: `list segment:N` shows each segment."]
    title = f"{heading}{quarter}: {count} organisations"
    return Reply(ReplyKind.ANSWER, title, title, (Section(lines=tuple(lines)),), footnote=f"Worse first. {reference}")


def _worsening(events: list[EventRecord]) -> int:
    moves = [e.payload for e in events if "segment" in e.payload and "previous_segment" in e.payload]
    return max((int(p["segment"]) - int(p["previous_segment"]) for p in moves), default=0)
