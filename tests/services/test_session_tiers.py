"""Public tier tables at live start: fetched in the background under a deadline into the profile cache,
used by the position book for a manual position whose symbol has no bundled table; a failure is one
status message and blocks nothing."""

from __future__ import annotations

import pytest

from app.core.margin.tiers import bundled_table
from app.core.positions import Position
from tests.feeds.fake_venue import serve

pytestmark = pytest.mark.timeout(30)

SYMBOL = "ZZZUSDT"  # no bundled table
RISK_LIMIT = {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [
    {"id": 1, "symbol": SYMBOL, "riskLimitValue": "200000", "maintenanceMargin": "0.01", "initialMargin": "0.02",
     "isLowestRisk": 1, "maxLeverage": "50.00", "mmDeduction": ""},
    {"id": 2, "symbol": SYMBOL, "riskLimitValue": "400000", "maintenanceMargin": "0.02",
     "initialMargin": "0.04", "isLowestRisk": 0, "maxLeverage": "25.00", "mmDeduction": "2000"},
]}, "retExtInfo": {}, "time": 1}


def _session(name: str):  # type: ignore[no-untyped-def]
    from app.core.venues.account_registry import public_tiers
    from app.services.session import LiveSession
    from app.store.paths import profile_paths

    session = LiveSession(profile_paths(name).ensure())
    venue = next(v for v in session.venues if (spec := public_tiers(v)) is not None and not spec.all_in_one
                 and "risk-limit" in spec.url("http://x", SYMBOL))
    session.venues = [venue]
    session.positions.add(Position(venue, "manual", SYMBOL, "ZZZ", "long", 1000.0, 100.0, leverage=10.0))
    return session, venue


async def test_fetched_tiers_reach_a_position_without_bundled_tiers() -> None:
    session, venue = _session("tiers-ok")
    assert bundled_table(venue, SYMBOL) is None
    before = session.positions.inputs()[1][0]
    assert before.contract.tiers is None
    with serve({"/v5/market/risk-limit": RISK_LIMIT}) as server:
        await session.refresh_tiers(5.0, base_urls={venue: server.base_url})
    (position,) = session.positions.inputs()[1]
    assert position.contract.tiers is not None and position.contract.tiers[0].mmr == 0.01
    assert session.positions.positions[0].contract.tiers is None  # the user's own entry is unchanged
    assert session.messages.take() == ()
    # The next start has them from the cache, before (or without) a fetch.
    again, _ = _session("tiers-ok")
    with serve({"/v5/market/risk-limit": lambda: (403, {})}) as server:
        await again.refresh_tiers(5.0, base_urls={venue: server.base_url})
    assert again.positions.inputs()[1][0].contract.tiers is not None
    (message,) = again.messages.take()
    assert message.text.startswith("Tier tables not refreshed")


async def test_a_silent_tier_host_is_given_up_after_the_deadline() -> None:
    import threading

    session, venue = _session("tiers-slow")
    release = threading.Event()  # the host answers only once the test lets it: it hangs until then

    def silent() -> tuple[int, object]:
        release.wait(30)
        return 200, RISK_LIMIT

    with serve({"/v5/market/risk-limit": silent}) as server:
        try:
            await session.refresh_tiers(0.5, base_urls={venue: server.base_url})
            assert not release.is_set()  # given up while the host still held its answer
        finally:
            release.set()
    assert session.positions.inputs()[1][0].contract.tiers is None
    (message,) = session.messages.take()
    assert "not refreshed" in message.text
