"""Time as the help desk reads it: one callable returning an aware UTC datetime, passed in, so that tests move
it (SLA breaches, reopen windows) instead of waiting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .tables import utcnow

Clock = Callable[[], dt.datetime]
system_clock: Clock = utcnow


class ManualClock:
    """A clock that stands still until moved (tests, replays)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now
