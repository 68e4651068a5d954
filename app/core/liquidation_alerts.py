"""Liquidation alert rules (issue 12 item 5): pure evaluation, their own thresholds, apart from the tape's
size filter. No clock, no I/O: the caller passes market time (MarketClock ms) and the figures.

Four kinds of rule, each with its own cooldown (market time):

- `SingleRule`: one liquidation of at least a tier's USD notional. Tiers ascend (default $100k / $1M /
  $10M); a liquidation is announced at the HIGHEST tier it reaches, with that tier's level and sound. A
  rule fires at most once per cooldown, except that a higher tier than the last one announced breaks
  through the cooldown (a $13.52M order right after a $150k one is not swallowed). Records that may sum
  several orders (`completeness == "aggregated"`) are never judged as a single liquidation.
- `WindowTotalRule`: the liquidations' USD total over a rolling window (5 min … 24 h) reaches Y.
- `LiqOiRule`: liquidations / open interest over a window reaches Z (a fraction: 0.01 = 1 %). Needs
  the open-interest figures; without them the rule stays silent (`None` = unknown, never zero).
- `RateSpikeRule`: the liquidation rate (per second) over the last N minutes reaches k × the rate
  over the trailing hour before those N minutes, with at least `min_count` liquidations in the N
  minutes (a quiet market's 1 → 3 is not a spike). Not judged until the figures cover that hour.

The three threshold rules are edge-triggered: they fire when the figure crosses the threshold and
re-arm once it is back below; a re-crossing within the cooldown is swallowed (not postponed).

`coin` (None = every coin) narrows any rule to one coin's liquidations.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, Protocol

import msgspec

from app.core.events import Liquidation
from app.core.formatting import compact_usd
from app.core.stress import HOUR_MS, WINDOWS_MS  # the aggregator's windows: 5m, 1h, 4h, 12h, 24h

Level = Literal["info", "warning", "critical"]
Sound = Literal["chime", "alarm", "siren", "none"]
SOUNDS: tuple[str, ...] = ("chime", "alarm", "siren", "none")
LEVELS: tuple[str, ...] = ("info", "warning", "critical")

MIN_COOLDOWN_S = 1.0
MAX_COOLDOWN_S = 24 * 3600.0
DEFAULT_COOLDOWN_S = 300.0


class Tier(msgspec.Struct, frozen=True):
    min_usd: float
    level: Level = "warning"
    sound: Sound = "chime"


DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier(100_000.0, "info", "chime"),
    Tier(1_000_000.0, "warning", "alarm"),
    Tier(10_000_000.0, "critical", "siren"),
)


class _Rule(msgspec.Struct, frozen=True, tag_field="kind"):
    id: str
    name: str
    enabled: bool = True
    cooldown_s: float = DEFAULT_COOLDOWN_S
    coin: str | None = None  # None: every coin


class SingleRule(_Rule, frozen=True, tag="single"):
    tiers: tuple[Tier, ...] = DEFAULT_TIERS


class WindowTotalRule(_Rule, frozen=True, tag="window_total"):
    window: str = "1h"
    threshold_usd: float = 100_000_000.0
    level: Level = "warning"
    sound: Sound = "alarm"


class LiqOiRule(_Rule, frozen=True, tag="liq_oi"):
    window: str = "24h"
    ratio: float = 0.01  # liquidations / open interest, as a fraction
    level: Level = "warning"
    sound: Sound = "alarm"


class RateSpikeRule(_Rule, frozen=True, tag="rate_spike"):
    recent_min: float = 5.0
    factor: float = 3.0
    min_count: int = 20
    level: Level = "warning"
    sound: Sound = "alarm"


Rule = SingleRule | WindowTotalRule | LiqOiRule | RateSpikeRule
KINDS: dict[str, type[_Rule]] = {"single": SingleRule, "window_total": WindowTotalRule, "liq_oi": LiqOiRule,
                                  "rate_spike": RateSpikeRule}
KIND_TITLES: dict[str, str] = {"single": "Single liquidation", "window_total": "Window total",
                               "liq_oi": "Liquidations / open interest", "rate_spike": "Rate spike"}


def default_rules() -> list[Rule]:
    """What the demo (and a fresh live profile) starts with."""
    return [
        SingleRule("single", "Large liquidation"),
        WindowTotalRule("window-1h", "1 h total ≥ $100M", window="1h", threshold_usd=100_000_000.0),
        LiqOiRule("liq-oi-24h", "24 h liquidations / OI ≥ 1%", window="24h", ratio=0.01),
        RateSpikeRule("rate-spike", "Rate spike (5 min ≥ 3× trailing hour)"),
    ]


def encode_rule(rule: Rule) -> str:
    return msgspec.json.encode(rule).decode()


def decode_rule(text: str | bytes) -> Rule:
    """Raises msgspec.ValidationError / DecodeError on a damaged or unknown row."""
    return msgspec.json.decode(text, type=Rule)  # type: ignore[arg-type]


class Figures(Protocol):
    """Rolling figures ending now (the stress aggregator, or a fake in tests). None = not known."""

    def total_usd(self, window_ms: int, coin: str | None) -> float | None: ...
    def count(self, window_ms: int, coin: str | None) -> int | None: ...
    def covered_ms(self) -> int:
        """How far back the figures reach (market ms of data behind them)."""
        ...
    def liq_oi_ratio(self, window_ms: int, coin: str | None) -> float | None: ...


class Firing(msgspec.Struct, frozen=True):
    """A rule that fired: what the Notifier shows (the service turns it into an Alert)."""

    rule_id: str
    key: str
    title: str
    body: str
    level: Level
    sound: Sound
    market_ms: int
    cooldown_ms: int


class _State:
    __slots__ = ("armed", "fired", "last_ms", "last_tier", "suppressed")

    def __init__(self) -> None:
        self.last_ms: int | None = None
        self.last_tier = -1
        self.armed = True
        self.fired = 0
        self.suppressed = 0


def highest_tier(tiers: Sequence[Tier], usd: float) -> int:
    """Index of the highest tier `usd` reaches (tiers ascending), -1 when none."""
    reached = -1
    for index, tier in enumerate(tiers):
        if usd >= tier.min_usd:
            reached = index
    return reached


class RuleBook:
    """The rules and their cooldown state. `on_liquidations` for each batch taken from the feeds,
    `on_tick` once per repaint for the window figures. Both return what fired."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self.rules: list[Rule] = []
        self._state: dict[str, _State] = {}
        self.set_rules(rules)

    def set_rules(self, rules: Iterable[Rule]) -> None:
        """Replace the rules; an unchanged rule keeps its cooldown and arming, an edited one starts afresh."""
        old = {rule.id: rule for rule in self.rules}
        self.rules = list(rules)
        state: dict[str, _State] = {}
        for rule in self.rules:
            kept = self._state.get(rule.id)
            state[rule.id] = kept if kept is not None and old.get(rule.id) == rule else _State()
        self._state = state

    def stats(self, rule_id: str) -> tuple[int, int]:
        """(fired, suppressed by the cooldown) for a rule."""
        state = self._state[rule_id]
        return state.fired, state.suppressed

    def on_liquidations(self, liquidations: Sequence[Liquidation], now_ms: int) -> list[Firing]:
        fired: list[Firing] = []
        for rule in self.rules:
            if not rule.enabled or not isinstance(rule, SingleRule) or not rule.tiers:
                continue
            largest: Liquidation | None = None
            for liq in liquidations:
                if liq.completeness == "aggregated" or (rule.coin is not None and liq.coin != rule.coin):
                    continue
                if largest is None or liq.notional_usd > largest.notional_usd:
                    largest = liq
            if largest is None:
                continue
            tier = highest_tier(rule.tiers, largest.notional_usd)
            if tier < 0:
                continue
            state = self._state[rule.id]
            cooldown_ms = _cooldown_ms(rule)
            # Every qualifying order in the batch counts against the cooldown, not only the largest.
            others = sum(1 for liq in liquidations if liq is not largest and liq.completeness != "aggregated"
                         and (rule.coin is None or liq.coin == rule.coin)
                         and liq.notional_usd >= rule.tiers[0].min_usd)
            if _cooling(state, now_ms, cooldown_ms) and tier <= state.last_tier:
                state.suppressed += 1 + others
                continue
            state.suppressed += others
            state.last_ms, state.last_tier = now_ms, tier
            state.fired += 1
            chosen = rule.tiers[tier]
            side = "long" if largest.side == "long" else "short"
            fired.append(Firing(
                rule.id, f"liq-rule:{rule.id}:{tier}",
                f"{compact_usd(largest.notional_usd)} {side} liquidated: {largest.symbol}",
                f"{largest.venue} {largest.symbol} {side} {compact_usd(largest.notional_usd)} at "
                f"{largest.price:,.8g} (rule “{rule.name}”, tier ≥ {compact_usd(chosen.min_usd)})",
                chosen.level, chosen.sound, now_ms, cooldown_ms))
        return fired

    def on_tick(self, figures: Figures | None, now_ms: int) -> list[Firing]:
        if figures is None:
            return []
        fired: list[Firing] = []
        for rule in self.rules:
            if not rule.enabled or isinstance(rule, SingleRule):
                continue
            measured = _measure(rule, figures)
            if measured is None:
                continue  # not known (no OI yet, the hour not covered): neither fire nor re-arm
            above, text = measured
            state = self._state[rule.id]
            if not above:
                state.armed = True
                continue
            if not state.armed:
                continue
            state.armed = False
            cooldown_ms = _cooldown_ms(rule)
            if _cooling(state, now_ms, cooldown_ms):
                state.suppressed += 1
                continue
            state.last_ms = now_ms
            state.fired += 1
            fired.append(Firing(rule.id, f"liq-rule:{rule.id}", rule.name, text, rule.level,  # type: ignore[union-attr]
                                rule.sound, now_ms, cooldown_ms))  # type: ignore[union-attr]
        return fired


def _cooldown_ms(rule: Rule) -> int:
    return round(rule.cooldown_s * 1000)


def _cooling(state: _State, now_ms: int, cooldown_ms: int) -> bool:
    return state.last_ms is not None and 0 <= now_ms - state.last_ms < cooldown_ms


def _where(coin: str | None) -> str:
    return f"{coin} " if coin else ""


def _measure(rule: Rule, figures: Figures) -> tuple[bool, str] | None:
    """(threshold reached, the alert's text), None when the figures cannot say."""
    if isinstance(rule, WindowTotalRule):
        total = figures.total_usd(WINDOWS_MS[rule.window], rule.coin)
        if total is None:
            return None
        return total >= rule.threshold_usd, (f"{_where(rule.coin)}liquidations over {rule.window}: "
                                             f"{compact_usd(total)} (≥ {compact_usd(rule.threshold_usd)})")
    if isinstance(rule, LiqOiRule):
        ratio = figures.liq_oi_ratio(WINDOWS_MS[rule.window], rule.coin)
        if ratio is None or not math.isfinite(ratio):
            return None
        return ratio >= rule.ratio, (f"{_where(rule.coin)}liquidations / open interest over {rule.window}: "
                                     f"{ratio:.2%} (≥ {rule.ratio:.2%})")
    if isinstance(rule, RateSpikeRule):
        recent_ms = int(rule.recent_min * 60_000)
        if figures.covered_ms() < HOUR_MS + recent_ms:
            return None
        recent = figures.count(recent_ms, rule.coin)
        with_hour = figures.count(HOUR_MS + recent_ms, rule.coin)
        if recent is None or with_hour is None:
            return None
        recent_rate = recent / (recent_ms / 1000)
        base_rate = max(0, with_hour - recent) / (HOUR_MS / 1000)
        # A relative epsilon: 0.6/s against 3 × 0.2/s is a spike, whatever the float rounding says.
        spike = recent >= rule.min_count and recent_rate >= rule.factor * base_rate * (1 - 1e-9)
        ratio = "∞" if base_rate == 0 else f"{recent_rate / base_rate:.1f}×"
        return spike, (f"{_where(rule.coin)}{recent_rate:.2f} liquidations/s over the last {rule.recent_min:g} min, "
                       f"{ratio} the trailing hour's {base_rate:.2f}/s")
    return None


def sample_firing(rule: Rule, now_ms: int) -> Firing:
    """The "test alert": what the rule's alert looks and sounds like (its highest tier), marked as a test."""
    if isinstance(rule, SingleRule) and rule.tiers:
        top = rule.tiers[-1]
        level, sound = top.level, top.sound
    elif isinstance(rule, SingleRule):
        level, sound = "info", "chime"
    else:
        level, sound = rule.level, rule.sound
    return Firing(rule.id, f"liq-test:{rule.id}:{now_ms}", f"Test alert: {rule.name}",
                  "This is what the rule's alert looks and sounds like; nothing was liquidated.",
                  level, sound, now_ms, 0)  # type: ignore[arg-type]


# --- the dialog's fields: text in, a rule or per-field errors out (no Qt) -------------------------------

_USD = re.compile(r"^(-?)\s*\$?\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMbB]?)$")
_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9}


def parse_usd(text: str) -> float | None:
    """"10M", "$1.5k", "250000", "100,000", "-5" → float (the caller says why a sign is wrong); None when
    not a number."""
    match = _USD.match(text.strip().replace(",", "").replace("_", ""))
    if match is None:
        return None
    value = float(match.group(2)) * _SCALE[match.group(3).lower()] * (-1 if match.group(1) else 1)
    return value if math.isfinite(value) else None


def usd_text(value: float) -> str:
    """The inverse for the editor: 10000000 → "10M", 150000 → "150k"."""
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= scale and (value / scale) == round(value / scale, 3):
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def rule_fields(rule: Rule) -> dict[str, str]:
    """A rule as the dialog's text fields."""
    fields = {"kind": _kind(rule), "name": rule.name, "enabled": "1" if rule.enabled else "0",
              "cooldown_s": f"{rule.cooldown_s:g}", "coin": rule.coin or ""}
    if isinstance(rule, SingleRule):
        fields["tiers"] = ", ".join(usd_text(t.min_usd) for t in rule.tiers)
        fields["tier_levels"] = ", ".join(t.level for t in rule.tiers)
        fields["tier_sounds"] = ", ".join(t.sound for t in rule.tiers)
    else:
        fields["level"] = rule.level
        fields["sound"] = rule.sound
    if isinstance(rule, WindowTotalRule):
        fields["window"] = rule.window
        fields["threshold_usd"] = usd_text(rule.threshold_usd)
    elif isinstance(rule, LiqOiRule):
        fields["window"] = rule.window
        fields["ratio_pct"] = f"{rule.ratio * 100:g}"
    elif isinstance(rule, RateSpikeRule):
        fields["recent_min"] = f"{rule.recent_min:g}"
        fields["factor"] = f"{rule.factor:g}"
        fields["min_count"] = str(rule.min_count)
    return fields


def _kind(rule: Rule) -> str:
    return {SingleRule: "single", WindowTotalRule: "window_total", LiqOiRule: "liq_oi",
            RateSpikeRule: "rate_spike"}[type(rule)]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def rule_from_fields(rule_id: str, fields: Mapping[str, str]) -> tuple[Rule | None, dict[str, str]]:
    """Validate every field; (the rule, {}) or (None, {field: why}) naming each bad field."""
    errors: dict[str, str] = {}
    kind = fields.get("kind", "")
    if kind not in KINDS:
        return None, {"kind": f"unknown rule type {kind!r}"}
    name = fields.get("name", "").strip()
    if not name:
        errors["name"] = "a name is required"
    elif len(name) > 80:
        errors["name"] = "at most 80 characters"
    cooldown = _number(fields.get("cooldown_s", ""))
    if cooldown is None:
        errors["cooldown_s"] = "a number of seconds"
    elif cooldown < MIN_COOLDOWN_S:
        errors["cooldown_s"] = f"at least {MIN_COOLDOWN_S:g} s"
    elif cooldown > MAX_COOLDOWN_S:
        errors["cooldown_s"] = "at most 24 h (86400 s)"
    coin = fields.get("coin", "").strip().upper()
    if coin and not re.fullmatch(r"[A-Z0-9]{1,20}", coin):
        errors["coin"] = "a coin such as BTC, or empty for every coin"
    common = {"id": rule_id, "name": name, "enabled": fields.get("enabled", "1") not in ("0", "", "false"),
              "cooldown_s": cooldown or 0.0, "coin": coin or None}
    specific: dict[str, object] = {}
    if kind == "single":
        specific["tiers"] = _tiers(fields, errors)
    else:
        level, sound = fields.get("level", "warning"), fields.get("sound", "alarm")
        if level not in LEVELS:
            errors["level"] = f"one of {', '.join(LEVELS)}"
        if sound not in SOUNDS:
            errors["sound"] = f"one of {', '.join(SOUNDS)}"
        specific.update(level=level, sound=sound)
    if kind in ("window_total", "liq_oi"):
        window = fields.get("window", "")
        if window not in WINDOWS_MS:
            errors["window"] = f"one of {', '.join(WINDOWS_MS)}"
        specific["window"] = window
    if kind == "window_total":
        threshold = parse_usd(fields.get("threshold_usd", ""))
        if threshold is None:
            errors["threshold_usd"] = "a USD amount such as 100M or 250000"
        elif threshold <= 0:
            errors["threshold_usd"] = "must be positive"
        specific["threshold_usd"] = threshold or 0.0
    elif kind == "liq_oi":
        pct = _number(fields.get("ratio_pct", "").rstrip("% "))
        if pct is None:
            errors["ratio_pct"] = "a percentage such as 1 or 0.5"
        elif pct <= 0:
            errors["ratio_pct"] = "must be positive"
        elif pct > 100:
            errors["ratio_pct"] = "at most 100 %"
        specific["ratio"] = (pct or 0.0) / 100
    elif kind == "rate_spike":
        recent = _number(fields.get("recent_min", ""))
        if recent is None:
            errors["recent_min"] = "a number of minutes"
        elif recent < 1:
            errors["recent_min"] = "at least 1 minute"
        elif recent > 30:
            errors["recent_min"] = "at most 30 minutes"
        factor = _number(fields.get("factor", ""))
        if factor is None:
            errors["factor"] = "a number such as 3"
        elif factor <= 1:
            errors["factor"] = "must be above 1 (× the trailing hour's rate)"
        min_count = _number(fields.get("min_count", ""))
        if min_count is None or min_count != int(min_count):
            errors["min_count"] = "a whole number"
        elif min_count < 1:
            errors["min_count"] = "at least 1"
        specific.update(recent_min=recent or 0.0, factor=factor or 0.0,
                        min_count=int(min_count) if min_count is not None and min_count == int(min_count) else 0)
    if errors:
        return None, errors
    return KINDS[kind](**common, **specific), {}  # type: ignore[arg-type,return-value]


def _tiers(fields: Mapping[str, str], errors: dict[str, str]) -> tuple[Tier, ...]:
    texts = _split(fields.get("tiers", ""))
    if not texts:
        errors["tiers"] = "at least one USD amount, e.g. 100k, 1M, 10M"
        return ()
    values: list[float] = []
    for text in texts:
        value = parse_usd(text)
        if value is None:
            errors["tiers"] = f"{text!r} is not a USD amount"
            return ()
        if value <= 0:
            errors["tiers"] = "amounts must be positive"
            return ()
        values.append(value)
    if any(b <= a for a, b in itertools.pairwise(values)):
        errors["tiers"] = "tiers must be in ascending order, each above the last"
        return ()
    levels = _split(fields.get("tier_levels", "")) or [_default_level(i, len(values)) for i in range(len(values))]
    sounds = _split(fields.get("tier_sounds", "")) or [_default_sound(i, len(values)) for i in range(len(values))]
    if len(levels) != len(values):
        errors["tier_levels"] = f"one level per tier ({len(values)})"
    elif bad := [level for level in levels if level not in LEVELS]:
        errors["tier_levels"] = f"{bad[0]!r}: use {', '.join(LEVELS)}"
    if len(sounds) != len(values):
        errors["tier_sounds"] = f"one sound per tier ({len(values)})"
    elif bad := [sound for sound in sounds if sound not in SOUNDS]:
        errors["tier_sounds"] = f"{bad[0]!r}: use {', '.join(SOUNDS)}"
    if "tier_levels" in errors or "tier_sounds" in errors:
        return ()
    return tuple(Tier(v, level, sound) for v, level, sound in zip(values, levels, sounds, strict=True))  # type: ignore[arg-type]


def _default_level(index: int, count: int) -> str:
    return LEVELS[min(2, index + max(0, 3 - count))]


def _default_sound(index: int, count: int) -> str:
    return SOUNDS[min(2, index + max(0, 3 - count))]


def summary(rule: Rule) -> str:
    """What the rule watches, its cooldown and whether it is off (the rules list's second line)."""
    where = f" {rule.coin}" if rule.coin else ""
    if isinstance(rule, SingleRule):
        what = "single" + where + " ≥ " + " / ".join("$" + usd_text(t.min_usd) for t in rule.tiers)
    elif isinstance(rule, WindowTotalRule):
        what = f"{rule.window}{where} total ≥ ${usd_text(rule.threshold_usd)}"
    elif isinstance(rule, LiqOiRule):
        what = f"{rule.window}{where} liq/OI ≥ {rule.ratio * 100:g}%"
    else:
        what = f"{rule.recent_min:g} min{where} rate ≥ {rule.factor:g}× trailing hour"
    state = "" if rule.enabled else " (off)"
    return f"{what}, cooldown {rule.cooldown_s:g} s{state}"


def describe(rule: Rule) -> str:
    """One line for logs and tests."""
    return f"{rule.name} — {summary(rule)}"
