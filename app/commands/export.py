"""`cascade export --out FILE [--since T] [--until T] [--venue V] [--coin C] [--alerts] [--profile P]
[--db PATH]`: stored liquidations (or alerts) as CSV, without Qt.

Reads the profile's history file read-only (it may run while Cascade records), streams rows in
batches and shows progress on stderr. Times: an ISO date or date-time (UTC unless it says otherwise),
epoch milliseconds, or an age such as 90m, 24h, 7d (that long before now).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from app.core.venues import registry
from app.core.watchlist import Scope
from app.services.export import export_csv
from app.store.db import HistoryDbError
from app.store.history_query import HistoryQuery

_AGE = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}


def parse_time(text: str, now_ms: int) -> int:
    """Epoch ms from an ISO date/date-time (UTC by default), an integer of epoch ms, or an age (24h)."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    age = _AGE.match(text)
    if age:
        return now_ms - int(float(age.group(1)) * _UNIT_MS[age.group(2)])
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time (use 2026-01-20, 2026-01-20T15:00, epoch ms or an age like 24h)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cascade export", description="Export stored liquidations (or alerts) to a CSV file.",
        epilog="Times: 2026-01-20, 2026-01-20T15:30 (UTC unless an offset is given), epoch ms, or an age "
               "before now such as 90m, 24h, 7d.")
    parser.add_argument("--out", required=True, help="the CSV file to write (replaced when complete)")
    parser.add_argument("--since", help="from this time (inclusive)")
    parser.add_argument("--until", help="up to this time (exclusive)")
    parser.add_argument("--venue", choices=registry.names(), help="only this venue")
    parser.add_argument("--coin", help="only this coin (canonical base, e.g. BTC, PEPE)")
    parser.add_argument("--watchlist", metavar="NAME",
                        help="only the coins and venue:symbol pairs of this watchlist (of the same profile)")
    parser.add_argument("--alerts", action="store_true", help="export the alerts fired instead of liquidations")
    parser.add_argument("--profile", default="default", help="the profile whose history to read")
    parser.add_argument("--db", help="a history database file (instead of the profile's)")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    return parser


def _watchlist_scope(db_path: Path, name: str) -> Scope | str:
    """The named watchlist's scope from the history file's watchlists, or the reason it cannot be had."""
    from app.store.watchlists import WatchlistStore, WatchlistStoreError

    if not db_path.is_file():
        return f"no history database at {db_path}"
    try:
        store = WatchlistStore.open(db_path)
        try:
            lists = store.load()
        finally:
            store.close()
    except WatchlistStoreError as error:
        return str(error)
    for watchlist in lists:
        if watchlist.name.casefold() == name.casefold():
            return watchlist.scope()
    known = ", ".join(w.name for w in lists) or "none"
    return f"no watchlist named {name!r} (watchlists: {known})"


def main(argv: list[str]) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    now_ms = int(time.time() * 1000)
    try:
        since = parse_time(options.since, now_ms) if options.since else None
        until = parse_time(options.until, now_ms) if options.until else None
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    if since is not None and until is not None and until <= since:
        parser.error("--until must be later than --since")
    if options.alerts and (options.venue or options.coin or options.watchlist):
        parser.error("--venue, --coin and --watchlist filter liquidations, not alerts")
    if options.db:
        db_path = Path(options.db)
    else:
        from app.store.paths import profile_paths

        try:
            db_path = profile_paths(options.profile).history_db
        except ValueError as error:
            parser.error(str(error))
    query = HistoryQuery(since, until, options.venue, options.coin.upper() if options.coin else None)
    if options.watchlist:
        scope = _watchlist_scope(db_path, options.watchlist)
        if isinstance(scope, str):
            print(f"cascade export: {scope}", file=sys.stderr)
            return 2
        query = msgspec.structs.replace(query, scope_coins=tuple(sorted(scope.coins)),
                                        scope_pairs=tuple(sorted(scope.pairs)))
    started = time.monotonic()
    last_shown = [0.0]

    def progress(done: int, total: int) -> None:
        if options.quiet:
            return
        now = time.monotonic()
        if now - last_shown[0] < 0.2 and done < total:
            return
        last_shown[0] = now
        share = f" ({100 * done / total:.0f}%)" if total else ""
        sys.stderr.write(f"\rexporting {done:,} / {total:,} rows{share}  {now - started:.1f} s")
        sys.stderr.flush()

    try:
        result = export_csv(db_path, options.out, query, alerts=options.alerts, progress=progress)
    except HistoryDbError as error:
        print(f"cascade export: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"cascade export: cannot write {options.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ncascade export: interrupted; nothing written", file=sys.stderr)
        return 130
    if not options.quiet:
        sys.stderr.write("\n")
    what = "alerts" if options.alerts else "liquidations"
    print(f"exported {result.rows:,} {what} to {result.path}")
    return 0
