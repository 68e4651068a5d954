from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.events import Liquidation
from app.core.stress import (
    BUCKET_MS,
    HOUR_MS,
    WINDOWS_MS,
    StressAggregator,
    in_window,
    parse_window,
    window_coverage,
    window_name,
)

T0 = 1_768_935_000_000  # bucket-aligned (multiple of 10 s)
VENUES = ("v1", "v2", "v3")
COINS = ("BTC", "ETH", "SOL")


def liq(ts: int, usd: float, venue: str = "v1", coin: str = "BTC", side: str = "long",
        completeness: str = "all", symbol: str | None = None) -> Liquidation:
    return Liquidation(venue, symbol or f"{coin}USDT", coin, "linear_perp", side, 1.0, 1.0, usd, ts,  # type: ignore[arg-type]
                       completeness, f"{venue}-{ts}-{usd}")  # type: ignore[arg-type]


def rescan(events: list[Liquidation], now_ms: int, span_ms: int) -> dict[str, object]:
    """The reference: every event kept, filtered by the documented window rule."""
    inside = [e for e in events if in_window(e.ts_ms, now_ms, span_ms)]
    by_venue: dict[str, list[float]] = {}
    by_coin: dict[str, list[float]] = {}
    for e in inside:
        for table, key in ((by_venue, e.venue), (by_coin, e.coin)):
            acc = table.setdefault(key, [0.0, 0.0, 0, 0])
            i = 0 if e.side == "long" else 1
            acc[i] += e.notional_usd
            acc[2 + i] += 1
    singles = [e.notional_usd for e in inside if e.completeness != "aggregated"]
    return {
        "count": len(inside),
        "long": math.fsum(e.notional_usd for e in inside if e.side == "long"),
        "short": math.fsum(e.notional_usd for e in inside if e.side == "short"),
        "by_venue": by_venue,
        "by_coin": by_coin,
        "largest": max(singles) if singles else None,
    }


def check(agg: StressAggregator, events: list[Liquidation], now_ms: int) -> None:
    for name, span in WINDOWS_MS.items():
        stats = agg.window(name)
        want = rescan(events, now_ms, span)
        assert stats.totals.count == want["count"], name
        assert stats.totals.long_usd == pytest.approx(want["long"], rel=1e-9, abs=1e-6)
        assert stats.totals.short_usd == pytest.approx(want["short"], rel=1e-9, abs=1e-6)
        by_venue = want["by_venue"]
        assert set(stats.by_venue) == set(by_venue)  # type: ignore[arg-type]
        for venue, split in stats.by_venue.items():
            ref = by_venue[venue]  # type: ignore[index]
            assert (split.long_count, split.short_count) == (ref[2], ref[3])
            assert split.long_usd == pytest.approx(ref[0], rel=1e-9, abs=1e-6)
            assert split.short_usd == pytest.approx(ref[1], rel=1e-9, abs=1e-6)
        by_coin = want["by_coin"]
        assert set(stats.by_coin) == set(by_coin)  # type: ignore[arg-type]
        for coin, split in stats.by_coin.items():
            ref = by_coin[coin]  # type: ignore[index]
            assert (split.long_count, split.short_count) == (ref[2], ref[3])
        largest = want["largest"]
        assert (stats.largest.notional_usd if stats.largest else None) == largest, name
        pairs = agg.by_venue_coin(name)
        want_pairs: dict[tuple[str, str], list[float]] = {}
        for e in events:
            if in_window(e.ts_ms, now_ms, span):
                acc = want_pairs.setdefault((e.venue, e.coin), [0.0, 0])
                acc[0] += e.notional_usd
                acc[1] += 1
        assert {k: v.count for k, v in pairs.items()} == {k: v[1] for k, v in want_pairs.items()}
        for key, split in pairs.items():
            assert split.total_usd == pytest.approx(want_pairs[key][0], rel=1e-9, abs=1e-6)


event_st = st.tuples(
    st.integers(-3 * HOUR_MS, 30 * HOUR_MS),  # offset of the event from T0
    st.floats(1.0, 5e6),
    st.sampled_from(VENUES),
    st.sampled_from(COINS),
    st.sampled_from(("long", "short")),
    st.sampled_from(("all", "sampled", "aggregated", "partial")),
    st.integers(0, 3 * HOUR_MS),  # how far market time moves on before this event
)


@settings(deadline=None, max_examples=150)
@given(st.lists(event_st, max_size=60))
def test_totals_equal_a_full_rescan_on_random_streams(raw: list[tuple]) -> None:  # type: ignore[type-arg]
    agg = StressAggregator()
    now = T0
    agg.advance(now)
    kept: list[Liquidation] = []
    for offset, usd, venue, coin, side, completeness, step in raw:
        now += step
        agg.advance(now)
        event = liq(now - 4 * HOUR_MS + offset, usd, venue, coin, side, completeness)  # late, on time or a bit early
        before_old = agg.too_old
        before_new = agg.too_new
        agg.add(event)
        if agg.too_old == before_old and agg.too_new == before_new:
            kept.append(event)
            now = max(now, event.ts_ms)
        else:  # refused: it is older than the longest window, or far in the future
            assert event.ts_ms // BUCKET_MS <= now // BUCKET_MS - WINDOWS_MS["24h"] // BUCKET_MS \
                or event.ts_ms > now + agg.future_ms
        check(agg, kept, now)
    assert agg.retained_buckets <= agg.ring_size


def test_expiry_exactly_at_the_window_boundary() -> None:
    agg = StressAggregator()
    agg.advance(T0)
    agg.add(liq(T0, 100.0))
    agg.add(liq(T0 + BUCKET_MS - 1, 50.0, side="short"))
    five = WINDOWS_MS["5m"]
    agg.advance(T0 + five - 1)  # the last ms of the window that began at T0
    assert agg.window("5m").totals.count == 2
    agg.advance(T0 + five)  # the bucket holding both left the 5 min window, not the 1 h one
    assert agg.window("5m").totals.count == 0
    assert agg.window("5m").totals.total_usd == 0.0
    assert agg.window("5m").largest is None
    assert agg.window("1h").totals.count == 2
    assert agg.window("1h").largest.notional_usd == 100.0  # type: ignore[union-attr]
    agg.advance(T0 + HOUR_MS - 1)
    assert agg.window("1h").totals.count == 2
    agg.advance(T0 + HOUR_MS)
    assert agg.window("1h").totals.count == 0
    assert agg.window("24h").totals.count == 2
    agg.advance(T0 + 24 * HOUR_MS)
    assert agg.window("24h").totals.count == 0
    assert agg.retained_buckets == 0


def test_late_events_are_filed_by_their_own_time_and_too_old_ones_counted() -> None:
    agg = StressAggregator()
    now = T0 + 10 * HOUR_MS
    agg.advance(now)
    agg.add(liq(now - 2 * HOUR_MS, 1_000.0))  # late: in 4 h, 12 h and 24 h, not in 1 h nor 5 min
    assert [agg.window(w).totals.count for w in WINDOWS_MS] == [0, 0, 1, 1, 1]
    agg.add(liq(now - 25 * HOUR_MS, 5_000.0))  # older than the longest window
    assert agg.too_old == 1
    assert agg.window("24h").totals.total_usd == 1_000.0
    agg.add(liq(now + 3 * HOUR_MS, 7.0))  # a broken timestamp hours ahead of market time
    assert agg.too_new == 1
    assert agg.window("24h").totals.count == 1
    agg.add(liq(now + 20_000, 9.0))  # a little ahead (clock skew): moves the head on
    assert agg.window("5m").totals.count == 1
    # the late event expires with its own bucket, not with its arrival
    agg.advance(now - 2 * HOUR_MS + 4 * HOUR_MS)
    assert agg.window("4h").totals.count == 1  # only the skewed one is left in 4 h


def test_out_of_order_events_give_the_same_totals_as_in_order() -> None:
    rng = random.Random(7)
    events = [liq(T0 + rng.randrange(0, 2 * HOUR_MS), rng.uniform(10, 1e6), rng.choice(VENUES),
                  rng.choice(COINS), rng.choice(("long", "short"))) for _ in range(500)]
    now = T0 + 2 * HOUR_MS
    ordered = StressAggregator()
    ordered.advance(now)
    ordered.add_many(sorted(events, key=lambda e: e.ts_ms))
    shuffled = StressAggregator()
    shuffled.advance(now)
    shuffled.add_many(events)
    for name in WINDOWS_MS:
        a, b = ordered.window(name), shuffled.window(name)
        assert a.totals.count == b.totals.count
        assert a.totals.long_usd == pytest.approx(b.totals.long_usd)
        assert a.largest == b.largest
    check(shuffled, events, now)


def test_largest_never_comes_from_aggregated_records_and_is_refound_after_expiry() -> None:
    agg = StressAggregator()
    agg.advance(T0)
    agg.add(liq(T0, 9e9, completeness="aggregated"))
    agg.add(liq(T0 + 60_000, 3e6, venue="v2"))
    agg.add(liq(T0 + 120_000, 2e6, venue="v3"))
    assert agg.window("1h").largest.notional_usd == 3e6  # type: ignore[union-attr]
    agg.advance(T0 + HOUR_MS + 60_000)  # the bucket holding the 3e6 one has left the hour
    assert agg.window("1h").largest.venue == "v3"  # type: ignore[union-attr]
    agg.advance(T0 + HOUR_MS + 120_000)
    assert agg.window("1h").largest is None
    assert agg.window("24h").largest.notional_usd == 3e6  # type: ignore[union-attr]


def test_memory_stays_bounded_over_ten_million_events() -> None:
    """10M synthetic events over 3 days of market time: the ring never holds more than the longest
    window's buckets and every window ends exactly as a fresh count says. Events share timestamps in
    runs (a cheap loop), but every one goes through add()."""
    agg = StressAggregator()
    total = 10_000_000
    span_ms = 3 * 24 * HOUR_MS
    per_bucket = total // (span_ms // BUCKET_MS)  # ~385 events per 10 s bucket
    import msgspec

    templates = [liq(0, 1.0 + i % 7, VENUES[i % 3], COINS[i % 3], "long" if i % 4 else "short") for i in range(16)]
    added = 0
    peak = 0
    ts = T0
    add = agg.add
    counts: list[int] = []
    while added < total:
        batch = [msgspec.structs.replace(t, ts_ms=ts) for t in templates]
        n = min(per_bucket, total - added)
        for i in range(n):
            add(batch[i & 15])
        added += n
        counts.append(n)
        peak = max(peak, agg.retained_buckets)
        ts += BUCKET_MS
    assert agg.added == total
    assert peak <= agg.ring_size == WINDOWS_MS["24h"] // BUCKET_MS
    assert agg.retained_buckets == agg.ring_size
    assert agg.window("24h").totals.count == sum(counts[-agg.ring_size:])
    assert agg.window("5m").totals.count == sum(counts[-(WINDOWS_MS["5m"] // BUCKET_MS):])


def test_rates_and_the_cumulative_series() -> None:
    agg = StressAggregator()
    agg.advance(T0)
    for i in range(120):
        agg.add(liq(T0 + i * 1_000, 10.0, side="long" if i % 4 else "short"))
    agg.advance(T0 + 119_999)
    assert agg.recent_rate_per_s(60_000) == pytest.approx(1.0)
    assert agg.rate_per_s("1h") == pytest.approx(1.0)  # only 2 minutes seen so far
    series = agg.series("5m", points=30)
    assert len(series.t_ms) == 12  # from the first liquidation's bucket on
    assert series.t_ms[0] == T0 + BUCKET_MS and series.t_ms[-1] == T0 + 120_000
    assert series.long_usd[-1] == pytest.approx(900.0)
    assert series.short_usd[-1] == pytest.approx(300.0)
    assert list(series.long_usd) == sorted(series.long_usd)
    assert len(agg.series("24h", points=5).t_ms) == 4  # 12 buckets merged 3 by 3
    agg.advance(T0 + 10 * 60_000)
    assert agg.series("5m").t_ms == ()  # nothing left in the window


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "late", "advance", "series"]), st.integers(0, 400),
                          st.sampled_from(["1h", "4h", "24h"]), st.sampled_from([3, 7, 480])), max_size=60))
def test_the_series_reuses_its_complete_steps_yet_equals_one_built_afresh(steps) -> None:  # type: ignore[no-untyped-def]
    windows = {"1h": 3_600_000, "4h": 4 * 3_600_000, "24h": 24 * 3_600_000}
    memoized, fresh = StressAggregator(windows), StressAggregator(windows)
    now = T0
    for aggregator in (memoized, fresh):
        aggregator.advance(now)
    for i, (kind, amount, window, points) in enumerate(steps):
        if kind == "advance":
            now += amount * 1_000 * (1 if amount % 3 else 97)  # sometimes far: whole steps and windows move
        if kind in ("add", "late"):
            at = now - (amount * 11_000 if kind == "late" else 0)  # late: into an earlier (maybe empty) bucket
            event = liq(at, 1.0 + amount, side="long" if i % 2 else "short")
            for aggregator in (memoized, fresh):
                aggregator.add(event)
        for aggregator in (memoized, fresh):
            aggregator.advance(now)
        if kind == "series":
            fresh._series_memo = None  # built from nothing, every bucket summed again
            assert memoized.series(window, points) == fresh.series(window, points)
    fresh._series_memo = None
    assert memoized.series("24h", 7) == fresh.series("24h", 7)


def test_view_carries_coverage_and_labels() -> None:
    agg = StressAggregator()
    agg.advance(T0 + 2 * HOUR_MS)
    agg.add(liq(T0 + HOUR_MS, 10.0))
    view = agg.view("4h", coverage={"v1": (T0, [(T0 + 1_000, T0 + 61_000)]), "v2": (None, [])},
                    completeness={"v1": "sampled"})
    assert view.current.name == "4h"
    assert view.coverage["1h"]["v1"] == HOUR_MS
    assert view.coverage["4h"]["v1"] == 2 * HOUR_MS - 60_000
    assert view.coverage["4h"]["v2"] == 0
    assert view.completeness == {"v1": "sampled"}
    assert window_coverage(0, 100, 50, [(60, 70)]) == 40


def test_window_names_parse() -> None:
    assert parse_window("24h") == 86_400_000
    assert parse_window("90m") == 5_400_000
    assert parse_window("1d") == 86_400_000
    assert window_name(3_600_000) == "1h"
    for bad in ("", "h", "-1h", "abc", "1x", "nanh"):
        with pytest.raises(ValueError):
            parse_window(bad)
    with pytest.raises(ValueError):
        StressAggregator({"odd": 15_001})


def test_a_full_day_of_buckets_shares_one_key_per_venue_coin_and_side() -> None:
    """Soak (issue 14): the ring holds 8,640 buckets a day; each bucket's cells must not carry a key tuple
    of their own (a day of a cascade's density grew ~1.5 MB per 12 h of such tuples)."""
    agg = StressAggregator()
    start = 1_800_000_000_000
    for i in range(2_000):  # one liquidation per (venue, side) every 10 s bucket, fresh tuples each time
        for venue in ("v1", "v2"):
            for side in ("long", "short"):
                agg.add(liq(start + i * 10_000, 1_000.0, venue=venue, side=side))
    buckets = [bucket for bucket in agg._ring if bucket is not None]
    assert len(buckets) == 2_000 and all(len(bucket.cells) == 4 for bucket in buckets)
    assert len({id(key) for bucket in buckets for key in bucket.cells}) == 4
