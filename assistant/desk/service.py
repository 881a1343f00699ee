"""What the desk promises: service hours per team, SLA targets per team and priority (first response,
resolution), and the expected wait in the queue. Built from settings (FAQ_SERVICE_HOURS, FAQ_SLA_*); the SLA
clock runs on wall time, not only within service hours, so a ticket left overnight shows as breached."""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from ..config import Settings
from .tickets.models import Ticket

_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
ANY = "*"


@dataclass(frozen=True)
class SlaState:
    """Where a ticket stands against its targets: the running one (first response until there is one, then
    resolution), when it is due and how long is left (negative: breached)."""

    kind: Literal["first_response", "resolution"]
    due: dt.datetime
    left_seconds: float
    breached: bool
    first_response_met: bool | None  # None: not answered yet
    resolution_met: bool | None  # None: not resolved yet


@dataclass(frozen=True)
class Window:
    start: dt.time
    end: dt.time | None  # None: midnight at the end of the day

    @classmethod
    def parse(cls, text: str) -> Window:
        m = _HOURS.match(text.strip())
        if not m or int(m[1]) > 23 or int(m[3]) > 24 or int(m[2]) > 59 or int(m[4]) > 59:
            raise ValueError(f"service hours {text!r}: expected HH:MM-HH:MM, e.g. 09:00-22:00")
        end = None if int(m[3]) == 24 else dt.time(int(m[3]), int(m[4]))
        return cls(dt.time(int(m[1]), int(m[2])), end)

    def covers(self, t: dt.time) -> bool:
        return self.start <= t and (self.end is None or t < self.end)

    @property
    def text(self) -> str:
        end = "24:00" if self.end is None else f"{self.end.hour}:{self.end.minute:02d}"
        return f"{self.start.hour}:{self.start.minute:02d}-{end}"


class ServicePolicy:
    def __init__(self, hours: Mapping[str, str], timezone: str, first_response_minutes: Mapping[str, Sequence[float]],
                 resolution_hours: Mapping[str, Sequence[float]], default_wait_minutes: float = 5.0) -> None:
        self.zone = ZoneInfo(timezone)
        self.windows = {team: Window.parse(text) for team, text in hours.items()}
        for name, table in (("first response", first_response_minutes), ("resolution", resolution_hours)):
            if ANY not in table or any(len(v) != 3 or min(v) <= 0 for v in table.values()):
                raise ValueError(f"SLA {name} targets need \"*\" and three positive numbers per team")
        self.first_response = {t: tuple(dt.timedelta(minutes=m) for m in v) for t, v in first_response_minutes.items()}
        self.resolution = {t: tuple(dt.timedelta(hours=h) for h in v) for t, v in resolution_hours.items()}
        self.default_wait = default_wait_minutes

    @classmethod
    def from_settings(cls, settings: Settings) -> ServicePolicy:
        return cls(settings.service_hours or {ANY: "00:00-24:00"}, settings.timezone,
                   settings.sla_first_response_minutes, settings.sla_resolution_hours, settings.default_wait_minutes)

    # ---- service hours -------------------------------------------------------------------------------------

    def window(self, team: str) -> Window:
        return self.windows.get(team) or self.windows.get(ANY) or Window(dt.time(0), None)

    def is_open(self, team: str, now: dt.datetime) -> bool:
        return self.window(team).covers(now.astimezone(self.zone).time())

    def opens(self, team: str, now: dt.datetime) -> dt.datetime:
        """The next time the team starts answering (local time)."""
        local = now.astimezone(self.zone)
        start = local.replace(hour=self.window(team).start.hour, minute=self.window(team).start.minute, second=0,
                              microsecond=0)
        return start if start > local else start + dt.timedelta(days=1)

    # ---- SLA ------------------------------------------------------------------------------------------------

    def targets(self, team: str, priority: int) -> tuple[dt.timedelta, dt.timedelta]:
        level = max(0, min(2, priority))
        first = self.first_response.get(team) or self.first_response[ANY]
        resolution = self.resolution.get(team) or self.resolution[ANY]
        return first[level], resolution[level]

    def sla(self, ticket: Ticket, now: dt.datetime) -> SlaState:
        first, resolution = self.targets(ticket.team, ticket.priority)
        first_due, resolution_due = ticket.created_at + first, ticket.created_at + resolution
        first_met = None if ticket.first_response_at is None else ticket.first_response_at <= first_due
        done = ticket.resolved_at if ticket.status in ("resolved", "closed") else None
        resolution_met = None if done is None else done <= resolution_due
        if ticket.first_response_at is None and done is None:
            kind: Literal["first_response", "resolution"] = "first_response"
            due = first_due
        else:
            kind, due = "resolution", resolution_due
        left = ((done or now) - due).total_seconds() * -1
        return SlaState(kind, due, round(left, 1), left < 0, first_met, resolution_met)

    # ---- the queue -------------------------------------------------------------------------------------------

    def queue_key(self, ticket: Ticket, now: dt.datetime) -> tuple[bool, float, int, int]:
        """Breached first, then least time left; a pending ticket (waiting for the user) after the others."""
        waiting = ticket.status == "pending" and not ticket.attention
        return waiting, self.sla(ticket, now).left_seconds, -ticket.priority, ticket.id

    def expected_wait_minutes(self, position: int, recent_first_responses: Sequence[float]) -> int:
        """The team's median recent first-response time (seconds) per ticket up to and including this one."""
        per_ticket = (statistics.median(recent_first_responses) / 60 if recent_first_responses
                      else self.default_wait)
        return max(1, math.ceil(per_ticket * max(1, position)))
