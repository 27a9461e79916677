"""Description panel: dropdowns from the schema, live caption, marks, implied choices."""
from __future__ import annotations

import pytest

from composer.gui.widgets.description_panel import DescriptionPanel
from composer.gui.widgets.free_text import UNDERSTOOD, UNKNOWN


@pytest.fixture
def panel(qtbot, fake_engine):
    p = DescriptionPanel()
    qtbot.addWidget(p)
    p.set_schema(fake_engine.schema)
    p.set_interpreter(fake_engine.describe)
    return p


def type_text(qtbot, panel, text):
    panel.free_text.setFocus()
    qtbot.keyClicks(panel.free_text, text)


def test_dropdowns_build_description_and_caption(qtbot, panel):
    with qtbot.waitSignal(panel.interpreted, timeout=2000) as blocker:
        panel.set_choice("sex", "female")
    description, interp = blocker.args
    assert dict(description.choices) == {"sex": "female"}
    assert description.text_last is False
    assert interp.state == {"Male": False}
    assert panel.caption_preview() == interp.caption


def test_free_text_marks_understood_and_unknown_words(qtbot, panel):
    with qtbot.waitSignal(panel.interpreted, timeout=2000):
        type_text(qtbot, panel, "smiling zorblat")
    marks = panel.free_text.marks()
    assert [(m.start, m.end, m.kind) for m in marks] == [(0, 7, UNDERSTOOD), (8, 15, UNKNOWN)]
    assert "not understood" in panel.free_text.tooltip_at(10)
    assert panel.free_text.tooltip_at(7) == ""
    assert "zorblat" in panel.notes()


def test_free_text_sets_implied_dropdown_and_resets_it(qtbot, panel):
    with qtbot.waitSignal(panel.interpreted, timeout=2000):
        type_text(qtbot, panel, "blond")
    assert panel.choice("hair_colour") == "blond"
    with qtbot.waitSignal(panel.interpreted, timeout=2000):
        panel.free_text.selectAll()
        qtbot.keyClicks(panel.free_text, "smiling")
    assert panel.choice("hair_colour") == ""
    assert panel.choice("expression") == "smiling"


def test_conflict_is_shown_and_dropdown_wins_when_edited_last(qtbot, panel):
    with qtbot.waitSignal(panel.interpreted, timeout=2000):
        type_text(qtbot, panel, "woman")
    assert panel.choice("sex") == "female"
    with qtbot.waitSignal(panel.interpreted, timeout=2000) as blocker:
        panel.set_choice("sex", "male")
    _, interp = blocker.args
    assert interp.state["Male"] is True
    assert interp.conflicts and "Male" in panel.notes()
    assert panel.choice("sex") == "male"  # the text does not overwrite the artist's choice


def test_set_description_restores_without_text_edit(qtbot, panel, fake_engine):
    from composer.gui.domain import Description

    edits = []
    panel.free_text.edited.connect(lambda: edits.append(1))
    panel.set_description(Description(choices={"expression": "neutral"}, free_text="a man",
                                       text_last=False))
    assert edits == []
    assert panel.description() == Description(choices={"expression": "neutral"},
                                              free_text="a man", text_last=False)


def test_interpreter_error_is_reported_not_raised(qtbot, panel):
    def broken(_description):
        raise ValueError("schema mismatch <b>")

    panel.set_interpreter(broken)
    with qtbot.waitSignal(panel.failed, timeout=2000) as blocker:
        type_text(qtbot, panel, "x")
    assert blocker.args == ["schema mismatch <b>"]
    assert "&lt;b&gt;" in panel.notes()


def test_schema_unspecified_option_is_not_duplicated(panel):
    from PyQt5.QtWidgets import QComboBox

    from composer.gui.domain import Description

    panel.set_choice("sex", "unspecified")
    assert panel.description() == Description(choices={}, free_text="", text_last=False)
    sex = next(c for c in panel.findChildren(QComboBox) if c.accessibleName() == "Sex")
    assert [sex.itemText(i) for i in range(sex.count())] == ["unspecified", "Male", "Female"]


def test_real_text_layer_marks_and_implied_choices(qtbot):
    """The panel over composer.text (real schema and interpreter), no model needed."""
    from composer.text.description import interpret
    from composer.text.schema import load_schema

    schema = load_schema()
    panel = DescriptionPanel()
    qtbot.addWidget(panel)
    panel.set_schema(schema)
    panel.set_interpreter(lambda d: interpret(d, schema))
    text = "young man with a goatee and a zorblat"
    with qtbot.waitSignal(panel.interpreted, timeout=2000) as blocker:
        type_text(qtbot, panel, text)
    _, interp = blocker.args
    assert panel.choice("sex") == "male"
    assert "Goatee" in panel.free_text.tooltip_at(text.index("goatee")).replace(" ", "_")
    assert "not understood" in panel.free_text.tooltip_at(text.index("zorblat"))
    assert panel.caption_preview() == interp.caption and "goatee" in interp.caption
