"""MOF constant-maturity CSV parser and the strip's figures, on the real bundled history."""

from __future__ import annotations

import math
from datetime import date
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.macro.jgb import (
    MofParseError,
    YieldHistory,
    curve,
    curve_set,
    month_earlier,
    parse_mof_csv,
    strip_view,
    tenor_history,
)
from app.resources import resource_path

HEADER = "Date,1Y,2Y,3Y,4Y,5Y,6Y,7Y,8Y,9Y,10Y,15Y,20Y,25Y,30Y,40Y"
TITLE = "Interest Rate,,,,,,,,,,,,,,,(Unit : %)"


@cache
def real_history() -> YieldHistory:
    return parse_mof_csv(resource_path("macro", "jgbcme_all.csv").read_bytes())


def small_file(*rows: str, crlf: bool = True) -> str:
    end = "\r\n" if crlf else "\n"
    return end.join([TITLE, HEADER, *rows]) + end


ROW_0119 = "2026/1/19,0.951,1.23,1.382,1.561,1.691,1.791,1.903,2.026,2.15,2.266,2.843,3.174,3.519,3.562,3.721"
ROW_0120 = "2026/1/20,0.943,1.22,1.381,1.568,1.703,1.816,1.935,2.066,2.208,2.33,2.982,3.325,3.691,3.765,3.901"


def test_real_file_shape() -> None:
    history = real_history()
    assert history.first_date == date(1974, 9, 24)
    assert history.last_date == date(2026, 4, 30)
    assert history.tenors[0] == "1Y" and history.tenors[-1] == "40Y"
    first_10y = history.column("10Y")[0]
    assert math.isnan(first_10y)  # `-` on 1974-09-24
    assert history.column("1Y")[0] == pytest.approx(10.327)


def test_acceptance_2026_01_20() -> None:
    readings = {r.tenor: r for r in strip_view(real_history(), date(2026, 1, 20), threshold_bp=10)}
    r30, r40, r10, r20 = readings["30Y"], readings["40Y"], readings["10Y"], readings["20Y"]
    assert (r30.level, r30.change_bp, r30.record) == (3.765, 20.3, True)
    assert (r40.level, r40.change_bp, r40.record) == (3.901, 18.0, True)
    assert (r10.level, r10.change_bp, r10.record) == (2.33, 6.4, False)
    assert r10.highest_since == date(1999, 2, 5)
    assert (r20.level, r20.change_bp, r20.record) == (3.325, 15.1, False)
    assert r20.highest_since is not None and r20.highest_since.strftime("%Y-%m") == "1997-06"
    assert r30.big_move and r40.big_move and r20.big_move and not r10.big_move
    assert r30.label == "MOF close, 2026-01-20"
    assert r30.previous_date == date(2026, 1, 19)
    assert len(r30.sparkline) == 60 and r30.sparkline[-1] == 3.765
    assert r30.sparkline_dates[-1] == date(2026, 1, 20)


def test_record_has_no_look_ahead() -> None:
    history = real_history()
    # 2026-01-19's 30Y close (3.562) was beaten the next day; on its own date it is still a record.
    assert strip_view(history, date(2026, 1, 19), ["30Y"])[0].record
    assert not strip_view(history, date(2026, 1, 21), ["30Y"])[0].record
    # and the view from a truncated history is identical.
    cut = history.until(date(2026, 1, 20))
    assert strip_view(cut, date(2026, 1, 20)) == strip_view(history, date(2026, 1, 20))


def test_weekend_uses_latest_row_before() -> None:
    reading = strip_view(real_history(), date(2026, 1, 18), ["10Y"])[0]  # a Sunday
    assert reading.data_date == date(2026, 1, 16)
    assert reading.requested_date == date(2026, 1, 18)


def test_before_history_and_missing_tenor_value() -> None:
    history = real_history()
    early = strip_view(history, date(1970, 1, 1), ["10Y"])[0]
    assert early.data_date is None and early.level is None and not early.record
    no_40y = strip_view(history, date(1980, 1, 4), ["40Y"])[0]
    assert no_40y.data_date is not None and no_40y.level is None and no_40y.change_bp is None
    with pytest.raises(ValueError, match="no '50Y'"):
        strip_view(history, date(2026, 1, 20), ["50Y"])


def test_first_close_of_a_tenor_is_no_record_and_has_no_change() -> None:
    history = parse_mof_csv(small_file(ROW_0119.replace("3.721", "-"), ROW_0120))
    reading = strip_view(history, date(2026, 1, 20), ["40Y"])[0]
    assert reading.level == 3.901 and reading.change_bp is None and not reading.record


def test_change_skips_missing_previous_value() -> None:
    rows = (ROW_0119, ROW_0120.replace("3.901", "-"), "2026/1/21" + ROW_0120[9:].replace("3.901", "3.8"))
    reading = strip_view(parse_mof_csv(small_file(*rows)), date(2026, 1, 21), ["40Y"])[0]
    assert reading.previous_date == date(2026, 1, 19)
    assert reading.change_bp == pytest.approx(7.9)


def test_curve_and_earlier_curves() -> None:
    history = real_history()
    today = curve(history, date(2026, 1, 20))
    assert today is not None and dict(zip(today.tenors, today.levels, strict=True))["30Y"] == 3.765
    assert today.years()[-1] == 40.0
    curves = curve_set(history, date(2026, 1, 20))
    assert curves.week_ago is not None and curves.week_ago.data_date == date(2026, 1, 13)
    assert curves.month_ago is not None and curves.month_ago.data_date <= date(2025, 12, 20)
    assert curve_set(history, date(1900, 1, 1)).current is None


def test_month_earlier_clamps() -> None:
    assert month_earlier(date(2026, 3, 31)) == date(2026, 2, 28)
    assert month_earlier(date(2026, 1, 15)) == date(2025, 12, 15)


def test_tenor_history_drops_gaps_and_stops_at_until() -> None:
    series = tenor_history(real_history(), "40Y", until=date(2026, 1, 20))
    assert series.dates[-1] == date(2026, 1, 20) and series.levels[-1] == 3.901
    assert not any(math.isnan(v) for v in series.levels)
    assert series.dates[0].year == 2007  # 40Y issues began in 2007
    window = tenor_history(real_history(), "10Y", since=date(2026, 1, 19), until=date(2026, 1, 20))
    assert list(window.levels) == [2.266, 2.33]


def test_tolerates_bom_lf_blank_lines_trailing_commas_and_footer() -> None:
    text = "\ufeff" + small_file(ROW_0119 + ",,", "", ROW_0120, crlf=False) + "\n  \n* Note: source MOF\n"
    history = parse_mof_csv(text.encode())
    assert history.dates == (date(2026, 1, 19), date(2026, 1, 20))
    assert history.column("40Y")[1] == 3.901


def test_shift_jis_title_row() -> None:
    raw = ("国債金利情報,,,,,,,,,,,,,,,(単位 : %)\r\n" + HEADER + "\r\n" + ROW_0120 + "\r\n").encode("cp932")
    assert parse_mof_csv(raw).last_date == date(2026, 1, 20)


@pytest.mark.parametrize(
    ("body", "bad_line", "reason"),
    [
        ((ROW_0119, ROW_0120[:40]), 4, "expected 15 values, found"),
        ((ROW_0119, "2026/1/2"), 4, "expected 15 values"),
        ((ROW_0119, ROW_0120.replace("3.765", "3.7x5")), 4, "bad 30Y value"),
        ((ROW_0119, "2026/1/"), 4, "garbled or truncated date"),
        ((ROW_0119, ROW_0120.replace("2026/1/20", "2026/2/30")), 4, "impossible date"),
        ((ROW_0119, "<html>oops</html>", ROW_0120), 4, "unexpected line amid the data"),
    ],
)
def test_truncated_or_garbled_line_names_the_line(body: tuple[str, ...], bad_line: int, reason: str) -> None:
    with pytest.raises(MofParseError, match=reason) as caught:
        parse_mof_csv(small_file(*body))
    assert caught.value.line_no == bad_line
    assert caught.value.line is not None and f"line {bad_line}" in str(caught.value)


@pytest.mark.parametrize(
    "text", ["", "<html><body>Service unavailable</body></html>", TITLE + "\r\n" + HEADER]
)
def test_not_a_yield_file(text: str) -> None:
    with pytest.raises(MofParseError):
        parse_mof_csv(text)


def test_merge_later_file_wins_per_date() -> None:
    history = parse_mof_csv(small_file(ROW_0119, ROW_0120))
    current = parse_mof_csv(small_file(ROW_0120.replace("3.765", "3.770"), "2026/1/21" + ROW_0120[9:]))
    merged = history.merged(current)
    assert merged.dates == (date(2026, 1, 19), date(2026, 1, 20), date(2026, 1, 21))
    assert merged.column("30Y")[1] == 3.770
    assert merged.column("30Y")[0] == 3.562


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.one_of(st.none(), st.floats(min_value=-1, max_value=20, allow_nan=False)), min_size=1, max_size=80
    )
)
def test_record_matches_brute_force(closes: list[float | None]) -> None:
    days = [date.fromordinal(date(2020, 1, 1).toordinal() + i) for i in range(len(closes))]
    values = [math.nan if c is None else round(c, 3) for c in closes]
    history = YieldHistory(days, {"30Y": values})
    for i, day in enumerate(days):
        reading = strip_view(history, day, ["30Y"])[0]
        earlier = [v for v in values[:i] if not math.isnan(v)]
        expected = not math.isnan(values[i]) and bool(earlier) and values[i] >= max(earlier)
        assert reading.record == expected
