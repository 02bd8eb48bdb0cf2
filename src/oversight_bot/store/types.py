"""Column types that keep exact numbers, sortable quarters and UTC times on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Integer, String
from sqlalchemy.types import TypeDecorator

from oversight_bot.domain.quarters import Quarter


class Hundredths(TypeDecorator[Decimal]):
    """A 2 dp score or average, stored as whole hundredths: exact and sortable everywhere."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        hundredths = value * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError(f"{value} has more than 2 decimal places")
        return int(hundredths)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value).scaleb(-2)


class DecimalText(TypeDecorator[Decimal]):
    """A published value kept exactly as written ("9.03", "-0.5"), whatever its precision."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class QuarterKey(TypeDecorator[Quarter]):
    """A quarter as year * 10 + number (20251 for Q1 2025/26), so that ORDER BY is chronological."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Quarter | None, dialect: Dialect) -> int | None:
        return None if value is None else value.year * 10 + value.number

    def process_result_value(self, value: int | None, dialect: Dialect) -> Quarter | None:
        return None if value is None else quarter_of(value)


@functools.lru_cache(maxsize=256)
def quarter_of(key: int) -> Quarter:
    """One (immutable) `Quarter` per stored key: the read model reads tens of thousands of rows, a few
    dozen quarters between them."""
    return Quarter(key // 10, key % 10)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out; SQLite forgets the zone, so it is put back on reading."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
