"""The alert_rules table (history schema step for issue 12's alert rules): saved, replaced, deleted in
order by the writer thread, read back in list order, kept through retention and a reopen."""

from __future__ import annotations

from pathlib import Path

from app.store.db import MIGRATIONS, HistoryDb


def test_rules_are_saved_replaced_and_deleted_in_order_and_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryDb.open(path) as db:
        assert any("CREATE TABLE alert_rules" in statement for step in MIGRATIONS for statement in step)
        assert db.alert_rules() == []
        db.save_alert_rule("b", 1, '{"kind":"single","id":"b"}', 10)
        db.save_alert_rule("a", 0, '{"kind":"single","id":"a"}', 10)
        db.save_alert_rule("c", 2, '{"v":1}', 10)
        db.save_alert_rule("c", 2, '{"v":2}', 20)  # an edit replaces
        db.delete_alert_rule("b")
        db.flush()
        assert db.alert_rules() == [("a", '{"kind":"single","id":"a"}'), ("c", '{"v":2}')]
        request = db.compact(cutoff_ms=10**15)  # retention never deletes rules
        assert request.wait(5)
        assert db.count("alert_rules") == 2
    with HistoryDb.open(path) as db:
        assert [rule_id for rule_id, _ in db.alert_rules()] == ["a", "c"]
