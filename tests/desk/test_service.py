"""Service hours and SLA targets per team and priority, on a clock the test sets."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.config import Settings
from assistant.desk.service import ServicePolicy
from assistant.desk.tickets import Ticket

UTC = dt.UTC


def ticket(team: str = "payments", priority: int = 0, **kw: object) -> Ticket:
    at = dt.datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    base = dict(id=1, status="open", team=team, question="q", session_id=None, channel="web", source="bot",
                reason="r", confidence=None, suggestions=(), contact=None, description=None, assignee=None,
                reply=None, created_at=at, updated_at=at, resolved_at=None, priority=priority)
    return Ticket(**{**base, **kw})  # type: ignore[arg-type]


def policy() -> ServicePolicy:
    return ServicePolicy({"*": "09:00-22:00", "safety": "00:00-24:00"}, "Asia/Shanghai",
                         {"*": (60, 30, 10), "safety": (15, 10, 5)}, {"*": (24, 8, 2)})


def test_targets_by_team_and_priority() -> None:
    p = policy()
    assert p.targets("payments", 0) == (dt.timedelta(minutes=60), dt.timedelta(hours=24))
    assert p.targets("payments", 2) == (dt.timedelta(minutes=10), dt.timedelta(hours=2))
    assert p.targets("safety", 1)[0] == dt.timedelta(minutes=10)
    created = ticket().created_at
    running = p.sla(ticket(), created + dt.timedelta(minutes=61))
    assert running.kind == "first_response" and running.breached and running.left_seconds == -60
    answered = ticket(first_response_at=created + dt.timedelta(minutes=30))
    after = p.sla(answered, created + dt.timedelta(hours=2))
    assert after.kind == "resolution" and not after.breached and after.first_response_met
    done = p.sla(ticket(status="resolved", first_response_at=created + dt.timedelta(minutes=90),
                        resolved_at=created + dt.timedelta(hours=30)), created + dt.timedelta(days=9))
    assert (done.first_response_met, done.resolution_met, done.left_seconds) == (False, False, -6 * 3600)


def test_service_hours() -> None:
    p = policy()
    morning = dt.datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # 08:30 in Beijing
    assert not p.is_open("payments", morning) and p.is_open("safety", morning)
    assert p.opens("payments", morning) == dt.datetime(2026, 11, 30, 9, 0, tzinfo=p.zone)
    night = dt.datetime(2026, 11, 30, 14, 30, tzinfo=UTC)  # 22:30
    assert not p.is_open("payments", night)
    assert p.opens("payments", night) == dt.datetime(2026, 12, 1, 9, 0, tzinfo=p.zone)
    assert p.window("safety").text == "0:00-24:00" and p.window("live").text == "9:00-22:00"


@pytest.mark.parametrize("hours", ["9-22", "25:00-26:00", "09:00-22:61"])
def test_bad_hours_are_refused(hours: str) -> None:
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        ServicePolicy({"*": hours}, "Asia/Shanghai", {"*": (1, 1, 1)}, {"*": (1, 1, 1)})


def test_expected_wait() -> None:
    p = ServicePolicy.from_settings(Settings())
    assert p.expected_wait_minutes(1, []) == 5 and p.expected_wait_minutes(3, []) == 15
    assert p.expected_wait_minutes(2, [60.0, 600.0, 240.0]) == 8  # median 4 minutes a ticket
