"""Liquidation alerts without Qt: the rolling minute figures (exact against a re-scan, bounded), the
service turning firings into Alerts the dispatcher honours, and rules persisting in the live profile
(defaults in memory in the demo)."""

from __future__ import annotations

import random

from app.core.events import Liquidation
from app.core.liquidation_alerts import (
    HOUR_MS,
    SingleRule,
    Tier,
    WindowTotalRule,
    default_rules,
    encode_rule,
)
from app.services.alerts import AlertDispatcher, RecordingNotifier
from app.services.liquidation_alerts import KEPT_MINUTES, MINUTE_MS, LiquidationAlertService, MinuteFigures

T0 = 1_768_946_437_562


def liq(usd: float, ts: int, coin: str = "BTC", n: int = 0) -> Liquidation:
    return Liquidation("bitget", f"{coin}USDT", coin, "linear_perp", "long", 100.0, usd / 100.0, usd, ts, "all",
                       f"{n}")


def test_minute_figures_match_a_rescan_and_stay_bounded() -> None:
    rng = random.Random(7)
    now = [T0]
    figures = MinuteFigures(lambda: now[0])
    kept: list[Liquidation] = []
    for step in range(3000):
        now[0] += rng.randint(0, 90_000)
        batch = [liq(rng.uniform(1e3, 1e6), now[0] - rng.randint(0, 30 * 60_000), rng.choice(["BTC", "ETH"]), step)
                 for _ in range(rng.randint(0, 5))]
        figures.add(batch)
        kept += batch
        if step % 500 == 0 or step == 2999:
            for window in (5 * MINUTE_MS, HOUR_MS, 24 * HOUR_MS):
                first = (now[0] - window) // MINUTE_MS
                for coin in (None, "ETH"):
                    expected = [x for x in kept if first <= x.ts_ms // MINUTE_MS <= now[0] // MINUTE_MS
                                and (coin is None or x.coin == coin)]
                    assert figures.count(window, coin) == len(expected)
                    assert abs((figures.total_usd(window, coin) or 0) - sum(x.notional_usd for x in expected)) < 1e-3
    assert figures.retained_minutes() <= 3 * KEPT_MINUTES  # all coins, BTC, ETH: each bounded
    figures.add([liq(1.0, now[0] - 26 * HOUR_MS)])
    assert figures.too_old == 1
    assert figures.liq_oi_ratio(HOUR_MS, None) is None
    figures.oi_ratio = lambda window, coin: 0.02
    assert figures.liq_oi_ratio(HOUR_MS, None) == 0.02


def test_firings_become_alerts_the_dispatcher_delivers_once_per_rule_cooldown() -> None:
    now = [T0]
    service = LiquidationAlertService(lambda: now[0], [SingleRule("big", "≥ $10M", cooldown_s=60,
                                                                  tiers=(Tier(10e6, "critical", "siren"),))])
    recorder = RecordingNotifier()
    dispatcher = AlertDispatcher([recorder])  # its own 15 min default yields to the rule's 60 s
    for step in range(4):
        service.take_liquidations([liq(13_520_031.64, now[0], n=step)])
        for alert in service.tick():
            dispatcher.dispatch(alert)
        now[0] += 30_000
    assert [a.market_ms - T0 for a in recorder.alerts] == [0, 60_000]
    assert recorder.alerts[0].sound == "siren" and recorder.alerts[0].cooldown_ms == 60_000
    assert service.book.stats("big") == (2, 2)


def test_window_rules_are_judged_on_the_figures_once_a_market_second() -> None:
    now = [T0]
    service = LiquidationAlertService(lambda: now[0], [WindowTotalRule("w", "5 min ≥ $1M", window="5m",
                                                                       threshold_usd=1e6)])
    service.take_liquidations([liq(600_000.0, now[0], n=1)])
    assert service.tick() == ()
    service.take_liquidations([liq(600_000.0, now[0], n=2)])
    assert service.tick() == ()  # the same market second: not judged again yet
    now[0] += 1_000
    (alert,) = service.tick()
    assert alert.title == "5 min ≥ $1M" and "$1.20M" in alert.body


def test_set_rules_saves_only_changes_and_deletes_removed_rules() -> None:
    saved: list[tuple[str, int]] = []
    deleted: list[str] = []
    service = LiquidationAlertService(lambda: T0)
    service.save_rule = lambda rule_id, position, body, now: saved.append((rule_id, position))
    service.delete_rule = deleted.append
    rules = default_rules()
    service.load([(rule.id, encode_rule(rule)) for rule in rules])
    service.set_rules(rules)
    assert saved == []  # nothing changed
    edited = SingleRule("single", "Large", cooldown_s=30)
    service.set_rules([edited, rules[1], rules[2]])
    assert saved == [("single", 0)] and deleted == ["rate-spike"]
    saved.clear()
    fresh = LiquidationAlertService(lambda: T0)  # nothing stored yet: the first edit saves the whole list
    fresh.save_rule = lambda rule_id, position, body, now: saved.append((rule_id, position))
    fresh.delete_rule = deleted.append
    fresh.set_rules(rules[:2])
    assert saved == [("single", 0), ("window-1h", 1)]


def test_unreadable_stored_rules_are_skipped_and_said() -> None:
    service = LiquidationAlertService(lambda: T0)
    problems = service.load([("a", encode_rule(SingleRule("a", "A"))), ("b", '{"kind":"nonsense"}')])
    assert [rule.id for rule in service.rules] == ["a"]
    assert len(problems) == 1 and "alert rule b" in problems[0]
    service.load([])  # nothing stored: the rules stay
    assert [rule.id for rule in service.rules] == ["a"]


def test_test_alert_is_marked_and_never_suppressed() -> None:
    service = LiquidationAlertService(lambda: T0)
    recorder = RecordingNotifier()
    dispatcher = AlertDispatcher([recorder])
    assert dispatcher.dispatch(service.test_alert())
    assert dispatcher.dispatch(service.test_alert())
    assert all(a.title.startswith("Test alert") for a in recorder.alerts)


async def test_live_rules_persist_in_the_profile_and_alerts_come_back_and_the_demo_keeps_defaults() -> None:
    from app.services.alerts import Alert
    from app.services.session import DemoSession, LiveSession
    from app.store.paths import profile_paths

    profile = profile_paths("alert-rules-test").ensure()
    first = LiveSession(profile)
    await first.open()
    assert first.alert_rules() == default_rules()  # a fresh profile starts from the defaults
    mine = [SingleRule("mine", "≥ $5M", cooldown_s=120, tiers=(Tier(5e6, "critical", "siren"),)), default_rules()[1]]
    first.set_alert_rules(mine)
    first.record_alert(Alert("liq-rule:mine:0", "$13.52M long liquidated: BTCUSDT", "bitget …", "critical",
                             first.now_ms() - 1000))
    await first.stop()

    second = LiveSession(profile)
    await second.open()
    assert second.alert_rules() == mine
    assert [a.title for a in second.restored_alerts] == ["$13.52M long liquidated: BTCUSDT"]
    await second.stop()

    demo = DemoSession(speed=1)
    await demo.open()
    assert demo.alert_rules() == default_rules() and demo.restored_alerts == []
    demo.set_alert_rules(mine[:1])
    assert demo.liquidation_alerts.save_rule is None  # in memory only
    await demo.stop()


def test_window_totals_come_from_the_stress_view_and_liq_oi_from_the_market_view() -> None:
    from types import SimpleNamespace

    from app.core.liquidation_alerts import LiqOiRule
    from app.core.stress import StressAggregator

    now = [T0]
    service = LiquidationAlertService(lambda: now[0], [
        WindowTotalRule("w", "4 h ETH ≥ $1M", window="4h", threshold_usd=1e6, coin="ETH"),
        LiqOiRule("r", "1 h BTC liq/OI ≥ 1%", window="1h", ratio=0.01, coin="BTC"),
        LiqOiRule("m", "24 h market liq/OI ≥ 2%", window="24h", ratio=0.02)])
    aggregator = StressAggregator()
    aggregator.advance(T0)
    aggregator.add_many([liq(700_000.0, T0 - 3 * HOUR_MS, "ETH", 1), liq(400_000.0, T0 - 1000, "ETH", 2),
                         liq(5e6, T0 - 1000, "BTC", 3)])  # the minute figures never saw these: the view's
    stress = aggregator.view("4h")

    def ratio(value: float | None) -> SimpleNamespace:
        return SimpleNamespace(ratio=value)

    market = SimpleNamespace(market={"24h": ratio(0.019)},
                             rows=[SimpleNamespace(coin="BTC", ratios={"1h": ratio(0.0125)})])
    alerts = service.tick(stress, market)  # type: ignore[arg-type]
    assert sorted(alert.key for alert in alerts) == ["liq-rule:r", "liq-rule:w"]
    body = {alert.key: alert.body for alert in alerts}
    assert "$1.10M" in body["liq-rule:w"] and "1.25%" in body["liq-rule:r"]
    now[0] += 1_000
    market.market["24h"] = ratio(0.021)
    assert [alert.key for alert in service.tick(stress, market)] == ["liq-rule:m"]  # type: ignore[arg-type]
    now[0] += 1_000
    assert service.tick(stress, None) == ()  # no market view: liq/OI not judged (not re-armed either)
