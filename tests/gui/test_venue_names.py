"""The UI names venues as their descriptors do; venues outside the registry are title-cased."""

from __future__ import annotations

from app.core.venues import registry
from app.ui.tape_model import venue_name


def test_display_names_come_from_the_registry() -> None:
    assert [venue_name(name) for name in registry.names()] == [v.display_name for v in registry.VENUES]
    assert venue_name("deribit") == "Deribit"
