"""The empty tape says what it is waiting for, from the venue records."""

from __future__ import annotations

from app.services.runtime import DEFAULT_VENUES
from app.services.venue_status import VenueRecord
from app.services.waiting import tape_placeholder

A, B, C = DEFAULT_VENUES[:3]
NOW = 1_768_917_480_000  # 2026-01-20 13:58:00 UTC


def record(venue: str, state: str) -> VenueRecord:
    return VenueRecord(venue, state, 0.0, "all", connected=state == "live")


def text(records: list[VenueRecord], **options: object) -> str:
    return tape_placeholder(records, [A, B, C], label=str.upper, **options)  # type: ignore[arg-type]


def test_before_any_record_it_names_every_venue_connecting() -> None:
    assert text([]) == f"Waiting for liquidations from {A.upper()}, {B.upper()}, {C.upper()} — connecting…"


def test_nothing_reachable_says_so_with_each_reason() -> None:
    line = text([record(A, "refused"), record(B, "offline"), record(C, "offline")])
    assert line == (f"No venue reachable: {A.upper()} refused (not available from your region); "
                    f"{B.upper()} offline; {C.upper()} offline. Retrying…")


def test_some_live_some_failing_and_the_size_filter() -> None:
    line = text([record(A, "live"), record(B, "live"), record(C, "refused")], min_usd=10_000)
    assert line == (f"Listening to {A.upper()}, {B.upper()} — no liquidation of $10.00K or more yet "
                    f"({C.upper()} refused (not available from your region))")
    assert text([record(A, "connecting"), record(B, "offline"), record(C, "connecting")]).endswith(
        f"— connecting… ({B.upper()} offline)")


def test_a_replay_says_when_it_starts() -> None:
    loading = text([], clock_label="replay", now_ms=NOW)
    assert loading.startswith("Replay starts at 2026-01-20 13:58:00 UTC — connecting")
    live = text([record(A, "live"), record(B, "live"), record(C, "live")], clock_label="replay", now_ms=NOW)
    assert live == (f"Replay starts at 2026-01-20 13:58:00 UTC — waiting for the first liquidation from "
                    f"{A.upper()}, {B.upper()}, {C.upper()}")
