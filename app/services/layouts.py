"""Named window layouts, Qt-free: the name rules and the add/remove steps on `Settings.named_layouts`
(name → base64 geometry and dock state). The View → Layouts menu (app.ui.layouts) only calls these."""

from __future__ import annotations

from app.store.settings import SavedLayout

__all__ = ["MAX_LAYOUTS", "MAX_NAME", "SavedLayout", "layout_name_problem", "with_layout", "without_layout"]

MAX_NAME = 60
MAX_LAYOUTS = 50


def layout_name_problem(name: str, existing: dict[str, SavedLayout]) -> str | None:
    """Why `name` cannot name a new layout (None: it can). Saving over an existing name replaces it."""
    clean = name.strip()
    if not clean:
        return "A layout needs a name."
    if len(clean) > MAX_NAME:
        return f"A layout name has at most {MAX_NAME} characters."
    if any(not char.isprintable() for char in clean):
        return "A layout name cannot contain control characters."
    if clean not in existing and len(existing) >= MAX_LAYOUTS:
        return f"At most {MAX_LAYOUTS} layouts are kept; delete one first."
    return None


def with_layout(layouts: dict[str, SavedLayout], name: str, geometry: str, state: str) -> dict[str, SavedLayout]:
    """A copy with `name` (stripped) saved, sorted by name."""
    updated = dict(layouts)
    updated[name.strip()] = SavedLayout(geometry=geometry, state=state)
    return dict(sorted(updated.items(), key=lambda item: item[0].casefold()))


def without_layout(layouts: dict[str, SavedLayout], name: str) -> dict[str, SavedLayout]:
    return {key: value for key, value in layouts.items() if key != name}
