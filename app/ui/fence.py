"""A layout fence: a widget whose text changes often, held so that a change of text does not lay the whole
window out again.

QLabel::setText calls updateGeometry, and Qt passes that up through every layout to the QMainWindow: each
layout is activated and activating one calls updateGeometry on its own widget, whether or not a size hint
changed. With docks, a dock's title and the main window's dock areas are measured again, and every label's
text change cost ~1.2 ms where its repaint alone costs ~0.1 ms (a quiet day changes a few labels a second:
the clock, rates, ages; issue 14, `tests/bench/bench_label_change.py`). The fence is a widget without a
layout: the label's request stops at it, and it passes a change on to the layouts above only when what they
read from it changed (size hints, minimum and maximum, policy, height for its width, shown or hidden). Its
preferred and minimum widths only grow (a label's are its text's width: a figure's digits narrowing and
widening again would move its neighbours each time).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QWidget


class LayoutFence(QWidget):
    """Holds `inner` (add the fence to the layout; keep using `inner`)."""

    def __init__(self, inner: QWidget) -> None:
        super().__init__(inner.parentWidget())
        self.inner = inner
        self._widest = 0
        self._widest_minimum = 0  # the minimum width's: it only grows too (a label's is its text's width)
        self.passed_on = 0
        """Changes passed on to the layouts above (tests and benches read it)."""
        explicitly_hidden = inner.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide) and inner.isHidden()
        inner.setParent(self)  # (hidden by the reparenting) shown with the fence, or both hidden
        if explicitly_hidden:
            self.hide()
        else:
            inner.show()
        self.setObjectName(f"{inner.objectName() or type(inner).__name__}Fence")
        self._copy_limits()
        self._shape = self._measure()
        inner.installEventFilter(self)

    def _copy_limits(self) -> None:
        inner = self.inner
        self.setSizePolicy(inner.sizePolicy())
        self.setMinimumSize(inner.minimumSize())
        self.setMaximumSize(inner.maximumSize())

    def _measure(self) -> tuple[Any, ...]:
        inner = self.inner
        wraps = inner.hasHeightForWidth()
        return (self.sizeHint(), self.minimumSizeHint(), inner.minimumSize(), inner.maximumSize(),
                inner.sizePolicy(), wraps, inner.heightForWidth(self.width()) if wraps else -1)

    def forget_width(self) -> None:
        """Let the widths shrink again (the text changes kind, e.g. compact and full status texts): the layouts
        above read them afresh when they next lay out, after the new text is set."""
        self._widest = self._widest_minimum = 0
        self._shape = ()
        self.passed_on += 1
        self.updateGeometry()

    def _pass_on(self) -> None:
        self._shape = self._measure()
        self._copy_limits()
        self.passed_on += 1
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        hint = self.inner.sizeHint()
        self._widest = max(self._widest, hint.width())
        return QSize(self._widest, hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = self.inner.minimumSizeHint()
        self._widest_minimum = max(self._widest_minimum, hint.width())
        return QSize(self._widest_minimum, hint.height())

    def hasHeightForWidth(self) -> bool:
        return self.inner.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        return self.inner.heightForWidth(width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.inner.setGeometry(self.rect())
        super().resizeEvent(event)
        if self.inner.hasHeightForWidth():
            self._shape = self._measure()  # the height for the new width is what the layout just used

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.LayoutRequest:  # the inner widget's updateGeometry stops here
            if self._measure() != self._shape:
                self._pass_on()
            return True
        if kind == QEvent.Type.Show and self._measure() != self._shape:
            self._pass_on()  # changed while hidden: Qt posts no layout request to a hidden parent
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.inner:
            kind = event.type()
            if kind == QEvent.Type.ShowToParent and self.isHidden():
                self.show()
            elif kind == QEvent.Type.HideToParent and not self.isHidden():
                self.hide()
        return False
