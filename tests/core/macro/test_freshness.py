"""The one staleness rule for MOF closes: more than 3 business days behind the Tokyo date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.core.macro.freshness import age_text, mof_freshness, weekdays_between


def ms(year: int, month: int, day: int, hour: int = 12) -> int:
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp() * 1000)


def test_weekdays_between_excludes_both_ends_and_weekends() -> None:
    assert weekdays_between(date(2026, 1, 16), date(2026, 1, 19)) == 0  # Fri → Mon
    assert weekdays_between(date(2026, 1, 19), date(2026, 1, 23)) == 3  # Tue, Wed, Thu
    assert weekdays_between(date(2026, 4, 30), date(2026, 12, 4)) == 155
    assert weekdays_between(date(2026, 1, 20), date(2026, 1, 20)) == 0


@pytest.mark.parametrize(("data", "now", "stale"), [
    (date(2026, 1, 20), ms(2026, 1, 20), False),  # today's close
    (date(2026, 1, 16), ms(2026, 1, 19, 3), False),  # Monday morning in Tokyo, Friday's close
    (date(2026, 5, 1), ms(2026, 5, 7), False),  # Golden Week: 4–6 May are weekday holidays
    (date(2025, 12, 30), ms(2026, 1, 5), False),  # New Year: 31 Dec – 2 Jan
    (date(2026, 1, 19), ms(2026, 1, 23, 9), False),  # Tue–Thu missing on Friday: could be holidays
    (date(2026, 1, 16), ms(2026, 1, 23, 9), True),  # Mon–Thu missing: a fourth day is a failure
    (date(2026, 4, 30), ms(2026, 12, 4), True),
])
def test_stale_after_more_than_three_business_days(data: date, now: int, stale: bool) -> None:
    assert mof_freshness(data, now).stale is stale


def test_the_date_is_tokyos() -> None:
    # 2026-01-22 16:00 UTC is already Friday 23 Jan in Tokyo: Tue 20 → 4 missing days only there.
    assert mof_freshness(date(2026, 1, 16), ms(2026, 1, 22, 16)).business_days_behind == 4
    assert mof_freshness(date(2026, 1, 16), ms(2026, 1, 22, 14)).business_days_behind == 3


def test_label_says_the_age_and_the_source() -> None:
    fresh = mof_freshness(date(2026, 1, 20), ms(2026, 1, 20))
    assert fresh.label == "MOF close, 2026-01-20" and not fresh.warn
    old = mof_freshness(date(2026, 4, 30), ms(2026, 12, 4), "unreachable", "network: refused")
    assert old.label == "last MOF close 2026-04-30 · 7 months old · source unreachable"
    assert old.age_days == 218 and old.warn
    assert mof_freshness(date(2026, 4, 30), ms(2026, 12, 4), "bundled").label.endswith("· bundled data")
    assert mof_freshness(date(2026, 12, 3), ms(2026, 12, 4), "unreachable").label == \
        "MOF close, 2026-12-03 · source unreachable"
    nothing = mof_freshness(None, ms(2026, 1, 20))
    assert nothing.stale and nothing.age_days is None and nothing.label == "no MOF close yet"
    with pytest.raises(ValueError):
        mof_freshness(None, 0, "maybe")


def test_age_text() -> None:
    assert [age_text(d) for d in (0, 1, 5, 20, 218, 800)] == [
        "today", "1 day old", "5 days old", "2 weeks old", "7 months old", "2 years old"]
