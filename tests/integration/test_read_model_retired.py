"""A read model replaced after an import is freed, a little at a time, once nobody uses it; one a
caller still holds is left whole (services/retiring.py)."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from oversight_bot.bootstrap import Application
from oversight_bot.services import retiring
from oversight_bot.services.segments import SegmentService
from oversight_bot.services.snapshot import Snapshot, SnapshotSource


class NewImportEachTime:
    """The seeded store, as if another process had imported something before each check."""

    def __init__(self, source: SnapshotSource) -> None:
        self.source = source
        self.imports = 0

    def version(self) -> int:
        self.imports += 1
        return self.imports

    def load(self) -> Snapshot:
        return self.source.load()


def wait_for(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def no_retiring_thread() -> bool:
    return not any(t.name == "read-model-retire" for t in threading.enumerate())


@pytest.fixture
def segments(seeded_app: Application) -> SegmentService:
    source = NewImportEachTime(seeded_app.segments.source)
    return SegmentService(source, seeded_app.segments.frameworks, retire_after_s=0.0)


def test_a_replaced_read_model_is_freed_after_metric_and_trend_questions(segments: SegmentService) -> None:
    reader = segments.refresh()
    assert reader.positions.trend("RR8") is not None  # cached on the reader, and refers back to it
    assert reader.positions.metrics("RR8", None) is not None
    freed = weakref.ref(reader)
    del reader

    segments.refresh()  # a new import: a new reader replaces it

    wait_for(lambda: freed() is None)


def test_a_replaced_read_model_a_caller_still_holds_is_left_whole(segments: SegmentService) -> None:
    held = segments.refresh()
    organisations = len(held.snapshot.organisations)

    segments.refresh()
    wait_for(no_retiring_thread)

    assert len(held.snapshot.organisations) == organisations
    view = held.segment("RR8")
    assert view is not None and view.organisation.ods_code == "RR8" and view.assessment is not None
    assert held.lookup("Leeds Teaching").organisation is not None


def test_a_large_read_model_is_emptied_a_batch_at_a_time(
    segments: SegmentService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retiring, "BATCH", 50)  # the seeds' few hundred organisations count as large
    emptied: list[int] = []
    empty_gradually = retiring._empty_gradually

    def recording(container: dict[Any, Any] | list[Any]) -> None:
        emptied.append(len(container))
        empty_gradually(container)

    monkeypatch.setattr(retiring, "_empty_gradually", recording)
    reader = segments.refresh()
    organisations = len(reader.snapshot.organisations)
    freed = weakref.ref(reader)
    del reader

    segments.refresh()
    wait_for(lambda: freed() is None)

    assert organisations in emptied  # the organisations, taken apart in batches of 50
