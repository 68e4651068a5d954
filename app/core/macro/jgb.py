"""JGB constant-maturity yields from the Ministry of Finance CSVs, and what the macro strip shows.

The MOF English files (`jgbcme_all.csv` history, `jgbcme.csv` current month) are: a title row
(`Interest Rate,,…,(Unit : %)`), a `Date,1Y,…,40Y` header, one row per business day with a
`YYYY/M/D` date and `-` where no value was published, CRLF line ends, possibly a footer note.
Everything here is pure: the caller passes the dates; nothing reads a clock or a file.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import msgspec

NAN = math.nan
DEFAULT_STRIP_TENORS: tuple[str, ...] = ("10Y", "20Y", "30Y", "40Y")
SPARKLINE_ROWS = 60  # MOF publishes business days only, so 60 rows = 60 business days

_DATE = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_TENOR = re.compile(r"(\d+)([YM])")


class MofParseError(ValueError):
    """A MOF CSV we cannot trust; names the 1-based line and its content when one line is to blame."""

    def __init__(self, reason: str, line_no: int | None = None, line: str | None = None) -> None:
        self.reason = reason
        self.line_no = line_no
        self.line = line
        where = f"line {line_no}: " if line_no is not None else ""
        shown = f": {line[:120]!r}" if line is not None else ""
        super().__init__(f"MOF yield CSV {where}{reason}{shown}")


def tenor_years(tenor: str) -> float:
    """Sort key: '6M' → 0.5, '10Y' → 10."""
    match = _TENOR.fullmatch(tenor)
    if not match:
        raise ValueError(f"not a tenor: {tenor!r}")
    number = int(match.group(1))
    return number / 12 if match.group(2) == "M" else float(number)


class YieldHistory:
    """Daily closes: strictly increasing dates and, per tenor, a float64 array (NaN = no value).

    The running maximum per tenor is computed once, on first use, so record checks are O(1).
    """

    __slots__ = ("_columns", "_ordinals", "_running_max", "dates", "tenors")

    def __init__(self, dates: Sequence[date], columns: Mapping[str, Iterable[float]]) -> None:
        self.dates: tuple[date, ...] = tuple(dates)
        self.tenors: tuple[str, ...] = tuple(sorted(columns, key=tenor_years))
        self._columns = {t: array("d", columns[t]) for t in self.tenors}
        for tenor, values in self._columns.items():
            if len(values) != len(self.dates):
                raise ValueError(f"{tenor}: {len(values)} values for {len(self.dates)} dates")
        self._ordinals = [d.toordinal() for d in self.dates]
        if any(b <= a for a, b in zip(self._ordinals, self._ordinals[1:], strict=False)):
            raise ValueError("dates must be strictly increasing")
        self._running_max: dict[str, array] = {}

    def __len__(self) -> int:
        return len(self.dates)

    def __repr__(self) -> str:
        span = f"{self.dates[0]}..{self.dates[-1]}" if self.dates else "empty"
        return f"YieldHistory({span}, {len(self)} rows, tenors={','.join(self.tenors)})"

    @property
    def first_date(self) -> date | None:
        return self.dates[0] if self.dates else None

    @property
    def last_date(self) -> date | None:
        return self.dates[-1] if self.dates else None

    def column(self, tenor: str) -> array:
        try:
            return self._columns[tenor]
        except KeyError:
            raise ValueError(f"no {tenor!r} series (have {', '.join(self.tenors)})") from None

    def running_max(self, tenor: str) -> array:
        """running_max(t)[i] = highest close of `t` on or before dates[i] (NaN before its first close)."""
        cached = self._running_max.get(tenor)
        if cached is None:
            best = NAN
            cached = array("d")
            for value in self.column(tenor):
                if value == value and not value <= best:  # value is not NaN and beats best (or best is NaN)
                    best = value
                cached.append(best)
            self._running_max[tenor] = cached
        return cached

    def index_on_or_before(self, day: date) -> int | None:
        """Row of the latest date ≤ `day`, or None when the history starts later."""
        position = bisect.bisect_right(self._ordinals, day.toordinal()) - 1
        return position if position >= 0 else None

    def until(self, day: date) -> YieldHistory:
        """The rows up to and including `day`: what was known then (the demo hides later rows)."""
        stop = bisect.bisect_right(self._ordinals, day.toordinal())
        return YieldHistory(self.dates[:stop], {t: v[:stop] for t, v in self._columns.items()})

    def merged(self, *later: YieldHistory) -> YieldHistory:
        """This history overlaid by `later` ones: for a date present in several, the last one's row wins.

        Copies runs of consecutive rows from one source as array slices: the cached full history
        overlays nearly all of the bundled one, so this is a handful of slices, not 200k cell reads
        holding the GIL at start-up."""
        histories = (self, *later)
        winner: dict[int, tuple[int, int]] = {}  # ordinal -> (source, row)
        for source, history in enumerate(histories):
            for row, ordinal in enumerate(history._ordinals):
                winner[ordinal] = (source, row)
        ordinals = sorted(winner)
        runs: list[tuple[int, int, int]] = []  # (source, first row, stop row)
        for ordinal in ordinals:
            source, row = winner[ordinal]
            if runs and runs[-1][0] == source and runs[-1][2] == row:
                runs[-1] = (source, runs[-1][1], row + 1)
            else:
                runs.append((source, row, row + 1))
        tenors = {t for history in histories for t in history.tenors}
        columns: dict[str, array] = {}
        for tenor in tenors:
            column = array("d")
            for source, first, stop in runs:
                values = histories[source]._columns.get(tenor)
                column.extend(values[first:stop] if values is not None else array("d", [NAN]) * (stop - first))
            columns[tenor] = column
        return YieldHistory._trusted(ordinals, columns)

    @classmethod
    def _trusted(cls, ordinals: list[int], columns: dict[str, array]) -> YieldHistory:
        """Built from already-validated parts (strictly increasing ordinals, equal-length arrays)."""
        history = cls.__new__(cls)
        history._ordinals = ordinals
        history.dates = tuple(map(date.fromordinal, ordinals))
        history.tenors = tuple(sorted(columns, key=tenor_years))
        history._columns = {t: columns[t] for t in history.tenors}
        history._running_max = {}
        return history

    def to_compact(self) -> bytes:
        """A compact binary form (dates as ordinals, columns as raw float64) that loads in a few ms."""
        return _COMPACT_ENCODER.encode(_Compact(
            byteorder=sys.byteorder, ordinals=array("i", self._ordinals).tobytes(),
            columns={t: self._columns[t].tobytes() for t in self.tenors}))

    @classmethod
    def from_compact(cls, data: bytes) -> YieldHistory:
        """Inverse of `to_compact`; raises `MofParseError` on anything that does not decode to a history."""
        try:
            compact = _COMPACT_DECODER.decode(data)
            if compact.byteorder != sys.byteorder:
                raise ValueError(f"written on a {compact.byteorder}-endian machine")
            ordinals = array("i")
            ordinals.frombytes(compact.ordinals)
            columns: dict[str, array] = {}
            for tenor, raw in compact.columns.items():
                tenor_years(tenor)
                column = array("d")
                column.frombytes(raw)
                if len(column) != len(ordinals):
                    raise ValueError(f"{tenor}: {len(column)} values for {len(ordinals)} dates")
                columns[tenor] = column
            listed = ordinals.tolist()
            if any(b <= a for a, b in itertools.pairwise(listed)) or (listed and listed[0] < 1):
                raise ValueError("dates must be strictly increasing")
            return cls._trusted(listed, columns)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as error:
            raise MofParseError(f"compact history unreadable ({error})") from None


class _Compact(msgspec.Struct, frozen=True):
    byteorder: str  # sys.byteorder of the writer: the arrays are raw machine values
    ordinals: bytes  # int32 day ordinals
    columns: dict[str, bytes]  # tenor -> float64 values


_COMPACT_ENCODER = msgspec.msgpack.Encoder()
_COMPACT_DECODER = msgspec.msgpack.Decoder(_Compact)


def _decode(data: str | bytes) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    for encoding in ("utf-8-sig", "cp932"):  # the Japanese-site files are Shift_JIS
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MofParseError("not UTF-8 or Shift_JIS text")


def _cells(line: str) -> list[str]:
    cells = [cell.strip() for cell in line.split(",")]
    while len(cells) > 1 and cells[-1] == "":
        cells.pop()
    return cells


def _parse_date(text: str, line_no: int, line: str) -> date | None:
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise MofParseError(f"impossible date {text!r}", line_no, line) from None


def parse_mof_csv(data: str | bytes) -> YieldHistory:
    """Parse a MOF constant-maturity CSV; raise `MofParseError` on anything truncated or garbled.

    Tolerated: a BOM, title rows before the header, blank lines, trailing commas, a footer after the
    data (lines that do not start with a digit). Not tolerated: a data row with too few or too many
    values, a value that is neither a number nor `-`, a date-like line that is not a date, data
    after a footer line. A date repeated within one file keeps its last row.
    """
    lines = _decode(data).splitlines()
    tenors: list[str] | None = None
    rows: dict[date, list[float]] = {}
    footer: tuple[int, str] | None = None
    for line_no, line in enumerate(lines, start=1):
        cells = _cells(line)
        if cells == [""]:
            continue
        if tenors is None:
            if cells[0].lower() == "date":
                tenors = cells[1:]
                bad = [t for t in tenors if not _TENOR.fullmatch(t)]
                if not tenors or bad or len(set(tenors)) != len(tenors):
                    raise MofParseError("header is not 'Date,1Y,…,40Y'", line_no, line)
            elif _DATE.match(cells[0]):
                raise MofParseError("data row before the 'Date,…' header", line_no, line)
            continue
        day = _parse_date(cells[0], line_no, line)
        if day is None:
            if cells[0][:1].isdigit():
                raise MofParseError("garbled or truncated date", line_no, line)
            footer = footer or (line_no, line)
            continue
        if footer is not None:
            raise MofParseError("unexpected line amid the data", *footer)
        if len(cells) - 1 != len(tenors):
            raise MofParseError(f"expected {len(tenors)} values, found {len(cells) - 1}", line_no, line)
        values: list[float] = []
        for tenor, cell in zip(tenors, cells[1:], strict=True):
            if cell == "-":
                values.append(NAN)
            elif _NUMBER.fullmatch(cell):
                values.append(float(cell))
            else:
                raise MofParseError(f"bad {tenor} value {cell!r}", line_no, line)
        rows[day] = values
    if tenors is None:
        raise MofParseError("no 'Date,1Y,…,40Y' header row")
    if not rows:
        raise MofParseError("no data rows")
    ordered = sorted(rows)
    return YieldHistory(ordered, {t: [rows[d][i] for d in ordered] for i, t in enumerate(tenors)})


@dataclass(frozen=True, slots=True)
class TenorReading:
    """What the strip shows for one tenor on one requested date (official closes, never intraday)."""

    tenor: str
    requested_date: date
    data_date: date | None  # the latest MOF row on or before requested_date
    level: float | None  # close in %, None when MOF published no value for this tenor that day
    previous_date: date | None  # the previous date with a close for this tenor
    previous_level: float | None
    change_bp: float | None  # level - previous_level, in bp, to 0.1 bp
    record: bool  # highest close in the series up to and including data_date (ties count)
    highest_since: date | None  # not a record: the last earlier date whose close was at least as high
    big_move: bool  # |change_bp| greater than the threshold
    sparkline: tuple[float, ...]  # last 60 business-day closes up to data_date, NaN = no value
    sparkline_dates: tuple[date, ...]

    @property
    def label(self) -> str:
        return f"MOF close, {self.data_date.isoformat()}" if self.data_date else "no MOF close yet"


def _is_value(x: float) -> bool:
    return not math.isnan(x)


def _reading(history: YieldHistory, tenor: str, on: date, threshold_bp: float) -> TenorReading:
    values = history.column(tenor)
    index = history.index_on_or_before(on)
    if index is None:
        return TenorReading(tenor, on, None, None, None, None, None, False, None, False, (), ())
    start = max(0, index - SPARKLINE_ROWS + 1)
    sparkline = tuple(values[start : index + 1])
    sparkline_dates = history.dates[start : index + 1]
    level = values[index]
    if not _is_value(level):
        return TenorReading(
            tenor, on, history.dates[index], None, None, None, None, False, None, False,
            sparkline, sparkline_dates,
        )
    previous = next((i for i in range(index - 1, -1, -1) if _is_value(values[i])), None)
    previous_level = values[previous] if previous is not None else None
    change_bp = round((level - previous_level) * 100, 1) if previous_level is not None else None
    record = previous is not None and level >= history.running_max(tenor)[index]
    highest_since = None
    if previous is not None and not record:
        since = next(i for i in range(index - 1, -1, -1) if values[i] >= level)  # exists: not a record
        highest_since = history.dates[since]
    return TenorReading(
        tenor=tenor,
        requested_date=on,
        data_date=history.dates[index],
        level=level,
        previous_date=history.dates[previous] if previous is not None else None,
        previous_level=previous_level,
        change_bp=change_bp,
        record=record,
        highest_since=highest_since,
        big_move=change_bp is not None and abs(change_bp) > threshold_bp,
        sparkline=sparkline,
        sparkline_dates=sparkline_dates,
    )


def strip_view(
    history: YieldHistory,
    on: date,
    tenors: Sequence[str] = DEFAULT_STRIP_TENORS,
    threshold_bp: float = 10.0,
) -> list[TenorReading]:
    """The strip for date `on`: per tenor, the latest close ≤ `on` with no look-ahead at later rows."""
    return [_reading(history, tenor, on, threshold_bp) for tenor in tenors]


@dataclass(frozen=True, slots=True)
class Curve:
    """One day's yield curve: levels in % (NaN where MOF published none), tenors ordered by maturity."""

    data_date: date
    tenors: tuple[str, ...]
    levels: tuple[float, ...]

    def years(self) -> tuple[float, ...]:
        return tuple(tenor_years(t) for t in self.tenors)


@dataclass(frozen=True, slots=True)
class CurveSet:
    """The curve view: that day's curve against 1 week and 1 month earlier (each None if before history)."""

    current: Curve | None
    week_ago: Curve | None
    month_ago: Curve | None


def curve(history: YieldHistory, on: date) -> Curve | None:
    """The curve of the latest row on or before `on`."""
    index = history.index_on_or_before(on)
    if index is None:
        return None
    levels = tuple(history.column(t)[index] for t in history.tenors)
    return Curve(history.dates[index], history.tenors, levels)


def month_earlier(day: date) -> date:
    """Same day one calendar month earlier, clamped to that month's end (03-31 → 02-28)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def curve_set(history: YieldHistory, on: date) -> CurveSet:
    current = curve(history, on)
    if current is None:
        return CurveSet(None, None, None)
    anchor = current.data_date
    week_ago = curve(history, anchor - timedelta(days=7))
    return CurveSet(current, week_ago, curve(history, month_earlier(anchor)))


@dataclass(frozen=True, slots=True)
class TenorSeries:
    """One tenor's closes over time, rows without a value dropped (ready to plot)."""

    tenor: str
    dates: tuple[date, ...]
    levels: array


def tenor_history(
    history: YieldHistory, tenor: str, until: date | None = None, since: date | None = None
) -> TenorSeries:
    """Closes of `tenor` from `since` through `until` inclusive (both optional)."""
    values = history.column(tenor)
    dates: list[date] = []
    levels = array("d")
    for day, value in zip(history.dates, values, strict=True):
        if (until is not None and day > until) or (since is not None and day < since):
            continue
        if _is_value(value):
            dates.append(day)
            levels.append(value)
    return TenorSeries(tenor, tuple(dates), levels)
