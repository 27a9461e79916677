"""The synonym tables: consistent with the tokenizer and with the attribute names."""
import pytest

from composer.text import lexicon as L
from composer.text.attributes import ATTRIBUTES
from composer.text.parse import tokenize


def test_every_phrase_key_tokenizes_the_same_way():
    lex = L.default_lexicon()
    for key in [*lex.senses, *lex.unsupported]:
        toks = [t.norm for t in tokenize(" ".join(key)) if t.kind in ("word", "number")]
        assert tuple(toks) == key


def test_senses_use_real_forensic_attributes():
    lex = L.default_lexicon()
    for key, sense in lex.senses.items():
        assert sense.effects, key
        for name, value in sense.effects:
            assert name in ATTRIBUTES and name not in ("Attractive", "Blurry"), key
            assert isinstance(value, bool)


def test_word_classes_do_not_overlap():
    lex = L.default_lexicon()
    singles = {k[0] for k in [*lex.senses, *lex.unsupported] if len(k) == 1}
    assert not singles & lex.filler
    assert not singles & lex.negations
    assert not lex.filler & lex.negations
    assert lex.boundaries <= lex.filler and lex.soft_boundaries <= lex.filler


@pytest.mark.parametrize("word, norm", [
    ("Man's", "man"), ("widow\u2019s", "widow"), ("40's", "40s"), ("ISN'T", "isn't"),
    ("o'clock", "o'clock")])
def test_normalise(word, norm):
    assert L.normalise(word) == norm


def test_phrase_key_treats_hyphens_as_spaces():
    assert L.phrase_key("Fair-haired") == L.phrase_key("fair  haired") == ("fair", "haired")


def test_build_rejects_bad_tables():
    with pytest.raises(ValueError, match="bad attribute 'Blond_Hiar'"):
        L.build_lexicon(senses_table=(("blond", "+Blond_Hiar"),))
    with pytest.raises(ValueError, match="two meanings"):
        L.build_lexicon(senses_table=L._SENSES + (("blond", "+Black_Hair"),))
    with pytest.raises(ValueError, match="both understood and unsupported"):
        L.build_lexicon(unsupported_table=(("blond", "why"),))
