"""The theme (issue 13): light and dark palettes, every colour from ``ui/colors.py``, WCAG contrast
of text on state colours (and the other text colours) >= 4.5:1, and presentation mode."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from asyncio_playground.ui import colors  # noqa: E402
from asyncio_playground.vocab import TaskState, WaitKind  # noqa: E402

AA = 4.5
R = QPalette.ColorRole


@pytest.fixture(params=[False, True], ids=["light", "dark"])
def dark(request):
    colors.set_dark(request.param)
    yield request.param
    colors.set_dark(False)


def test_contrast_formula_matches_wcag():
    assert colors.contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert colors.contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert colors.contrast(QColor("#ffffff"), QColor("#ffffff")) == pytest.approx(1.0)


def test_text_on_state_colours_reads(dark):
    for state in TaskState:
        fill = colors.state_color(state)
        assert colors.contrast(colors.on_state(state), fill) >= AA, state
        assert colors.contrast(colors.state_ink(state), colors.base_color()) >= AA, state
        assert colors.contrast(colors.state_ink(state, colors.palette(dark).color(R.Window)),
                               colors.palette(dark).color(R.Window)) >= AA, state


def test_other_text_colours_read(dark):
    pal = colors.palette(dark)
    base, window = pal.color(R.Base), pal.color(R.Window)
    for fg, bg in ((R.Text, R.Base), (R.WindowText, R.Window), (R.PlaceholderText, R.Base),
                   (R.PlaceholderText, R.Window), (R.HighlightedText, R.Highlight), (R.ButtonText, R.Button),
                   (R.ToolTipText, R.ToolTipBase), (R.Link, R.Base)):
        assert colors.contrast(pal.color(fg), pal.color(bg)) >= AA, (fg, bg)
    for name in ("stderr", "warn", "info"):                       # console text on the base
        assert colors.contrast(colors.color(name), base) >= AA, name
    for kind in ("wait", "cancel", "error", "block"):             # gutter badges: text on them
        fill = colors.marker_color(kind)
        assert colors.contrast(colors.on_fill(fill), fill) >= AA, kind
    for name in ("fetch-A", "fetch-B", "worker-1", "main", "Task-1", "mirror-slow"):
        assert colors.contrast(colors.tag_color(name), base) >= AA, name
    for key in ("banner-warn", "banner-severe"):
        assert colors.contrast(colors.color("banner-text"), colors.color(key)) >= AA, key
    assert colors.contrast(colors.color("focus"), window) >= 3.0    # a non-text outline: 3:1
    assert pal.color(R.Base).lightness() < 80 if dark else pal.color(R.Base).lightness() > 200


def test_every_vocabulary_word_has_a_colour_and_a_legend_entry():
    assert set(colors.STATE_COLORS) == set(TaskState)
    assert set(colors.WAIT_COLORS) == set(WaitKind)
    grouped = [kind for group in colors.WAIT_GROUPS for kind in group]
    assert sorted(grouped) == sorted(WaitKind) and len(grouped) == len(set(grouped))
    for group in colors.WAIT_GROUPS:      # a legend entry stands for one colour
        assert len({colors.wait_color(kind).rgb() for kind in group}) == 1


def test_legend_names_every_state_and_wait_kind_uncut(qtbot):
    from PySide6.QtGui import QFontMetricsF

    from asyncio_playground.ui.legend import LegendWidget
    from PySide6.QtWidgets import QLayout, QVBoxLayout, QWidget
    box = QWidget()                     # in a layout, as in the window (it sets its own height)
    legend = LegendWidget()
    layout = QVBoxLayout(box)
    layout.addWidget(legend)
    layout.addStretch(1)
    layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)   # no size hints to the platform
    qtbot.addWidget(box)
    box.resize(900, 800)                # tall: the whole legend
    box.show()
    qtbot.waitExposed(box)
    for width in (300, 460, 900):
        legend.resize(width, legend.height())
        qtbot.waitUntil(lambda: legend.height() >= legend.heightForWidth(width), timeout=1000)
        rects = legend.item_rects()
        words = " ".join(text for _rect, text in rects)
        assert all(state.value in words for state in TaskState)
        assert all(kind.value in words for kind in WaitKind)
        metrics = QFontMetricsF(legend._small)
        for rect, text in rects:
            assert rect.right() <= width and rect.bottom() <= legend.height(), (text, rect, width)
            assert metrics.horizontalAdvance(text) <= rect.width() + 0.5
    # A short pane (or big presentation text): the states, and the rest behind one entry.
    box.resize(300, 140)
    qtbot.waitUntil(lambda: legend.compact, timeout=1000)
    rects = legend.item_rects()
    words = " ".join(text for _rect, text in rects)
    assert all(state.value in words for state in TaskState)
    tip = legend._items[-1][3]
    assert all(kind.value in tip for kind in WaitKind) and "loop blocked" in tip
    assert legend.height() <= 140 * legend.MAX_SHARE + 1 or len({round(r.top()) for r, _t in rects}) <= 3
    box.resize(900, 800)
    qtbot.waitUntil(lambda: not legend.compact, timeout=1000)


def test_dark_theme_from_the_view_menu_and_back(qtbot, make_window):
    w = make_window()
    app = QApplication.instance()
    try:
        w.act_themes["dark"].trigger()
        assert colors.is_dark() and app.palette().color(R.Base).lightness() < 80
        qtbot.waitUntil(lambda: w.editor.highlighter.dark, timeout=1000)   # the editor follows
        # Rich text that names colours is set again in the dark palette's (the story's hint).
        assert colors.palette(True).color(R.PlaceholderText).name() in w.story.text()
        assert colors.state_color(TaskState.WAITING) == QColor("#5a9cf0")
        w2 = make_window()                                  # remembered
        assert w2.act_themes["dark"].isChecked()
    finally:
        w.set_theme("light")
    assert not colors.is_dark() and app.palette().color(R.Base).lightness() > 200


def test_presentation_mode_scales_every_pane_and_is_remembered(qtbot, make_window):
    w = make_window()
    panes = {"editor": w.editor, "console": w.console, "table": w.task_view, "timeline": w.timeline,
             "lesson": w.lesson_panel.text, "browser": w.browser.tree, "legend": w.legend}
    before = {k: p.font().pointSizeF() for k, p in panes.items()}
    lane_h = w.timeline.LANE_H
    qtbot.keyClick(w, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(w, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    after = {k: p.font().pointSizeF() for k, p in panes.items()}
    for k in panes:
        assert after[k] == pytest.approx(before[k] * 1.15 ** 2, rel=0.02), k
    assert w.timeline.LANE_H > lane_h                       # lanes grow with their text
    assert w.task_view.verticalHeader().defaultSectionSize() >= w.task_view.fontMetrics().height() + 8
    w.save_settings()
    w2 = make_window()
    assert w2.editor.font().pointSizeF() == pytest.approx(after["editor"], rel=0.02)
    qtbot.keyClick(w2, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert w2.editor.font().pointSizeF() == pytest.approx(before["editor"], rel=0.02)
    qtbot.keyClick(w2, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert w2.task_view.font().pointSizeF() < before["table"]
