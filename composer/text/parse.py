"""Free text -> attribute matches, filler and words not understood, with character offsets.

Text is split with nltk's RegexpTokenizer (no nltk data needed). Every
non-space character ends up in exactly one token, and every token ends up in
exactly one place: inside an understood `Match`, in `filler` (words and
punctuation that carry no attribute, listed so nothing is dropped silently), or
in `unknown`. Phrases are matched longest first. A negation ("no", "not",
"without", "isn't"...) flips the phrases after it until a comma, full stop,
"and"/"but", a verb like "has"/"with" once it has negated something, or more than
`MAX_GAP` words without a match.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from nltk.tokenize import RegexpTokenizer

from composer.text.lexicon import (FACIAL_HAIR_COLOUR_REASON, YOUNG_BELOW, Lexicon, Sense, default_lexicon,
                                   normalise)

# letters (any script) with inner apostrophes | digits with an optional 's | any other char
_TOKENIZER = RegexpTokenizer(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*|\d+(?:['\u2019]?[sS])?|\S")
_JOINERS = frozenset("-\u2010\u2011")
_WORDS = ("word", "number")
MAX_GAP = 4  # words a negation may reach across without finding a phrase
_NUMBER_REASON = "number (give an age as 'aged 45' or '45 years old')"


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    norm: str
    kind: str  # "word", "number", "punct" or "symbol"


@dataclass(frozen=True)
class Match:
    """A phrase of the free text understood as attribute = value.

    `source` is "text" (these matches come from the free text; front ends skip other
    sources when highlighting); `how` says how it was read: "lexicon", "age", or
    "negated by '<cue>'"."""
    text: str
    start: int
    end: int
    attribute: str
    value: bool
    source: str = "text"
    how: str = "lexicon"


@dataclass(frozen=True)
class Unknown:
    """A stretch of free text that sets no attribute, and why."""
    text: str
    start: int
    end: int
    reason: str


@dataclass(frozen=True)
class ParseResult:
    matches: tuple[Match, ...]   # in text order; later mentions come later
    unknown: tuple[Unknown, ...]
    filler: tuple[Unknown, ...]


def tokenize(text: str) -> tuple[Token, ...]:
    """Tokens with character offsets into `text`."""
    out = []
    for start, end in _TOKENIZER.span_tokenize(text):
        piece = text[start:end]
        if piece[0].isdigit():
            kind = "number"
        elif piece[0].isalpha():
            kind = "word"
        else:
            kind = "punct" if unicodedata.category(piece[0]).startswith("P") else "symbol"
        out.append(Token(piece, start, end, normalise(piece), kind))
    return tuple(out)


@dataclass
class _Scope:
    """An open negation: its cue, phrases negated so far, words since the last one."""
    cue: Token
    negated: list[str] = field(default_factory=list)
    gap: int = 0


class _Reader:
    """One pass over the tokens; collects matches, filler and unknowns."""

    def __init__(self, text: str, lexicon: Lexicon):
        self.text, self.lex, self.toks = text, lexicon, tokenize(text)
        self.matches: list[Match] = []
        self.unknown: list[Unknown] = []
        self.filler: list[Unknown] = []
        self.scope: Optional[_Scope] = None

    def run(self) -> ParseResult:
        i = 0
        while i < len(self.toks):
            i = self._step(i)
        self._close()
        by_start = lambda u: u.start  # noqa: E731
        return ParseResult(tuple(self.matches), tuple(sorted(self.unknown, key=by_start)),
                           tuple(sorted(self.filler, key=by_start)))

    def _step(self, i: int) -> int:
        tok = self.toks[i]
        if tok.kind not in _WORDS:
            if not self._is_joiner(i):
                self._close()
            if tok.kind == "punct":
                self.filler.append(_unknown(tok, "punctuation"))
            else:
                self.unknown.append(_unknown(tok, "symbol"))
            return i + 1
        hit = self._facial_hair_colour(i) or self._age(i) or self._phrase(i)
        if hit is not None:
            end, found, how = hit
            start, stop = tok.start, self.toks[end - 1].end
            if isinstance(found, Sense):
                self._understand(found, start, stop, how)
            else:
                self.unknown.append(Unknown(self.text[start:stop], start, stop, found))
                self._widen(1)
            return end
        word, lex = tok.norm, self.lex
        if word in lex.negations:
            self._close()
            self.scope = _Scope(tok)
            return i + 1
        if word in lex.boundaries or (word in lex.soft_boundaries and self.scope
                                      and self.scope.negated):
            self._close()
        if word in lex.filler:
            self.filler.append(_unknown(tok, "filler word"))
        elif tok.kind == "number":
            self.unknown.append(_unknown(tok, _NUMBER_REASON))
        else:
            self.unknown.append(_unknown(tok, "unknown word"))
        self._widen(1)
        return i + 1

    def _understand(self, sense: Sense, start: int, stop: int, how: str) -> None:
        phrase = self.text[start:stop]
        effects = sense.effects
        if self.scope is not None and sense.negatable:
            (primary, value), rest = effects[0], effects[1:]
            effects = ((primary, not value),) + tuple(e for e in rest if e[0] == "Male")
            how = f"negated by '{self.scope.cue.text}'"
            self.scope.negated.append(phrase)
            self.scope.gap = 0
        else:
            self._widen(1)
        for attribute, value in effects:
            self.matches.append(Match(phrase, start, stop, attribute, value, "text", how))

    def _widen(self, words: int) -> None:
        if self.scope is not None:
            self.scope.gap += words
            if self.scope.gap > MAX_GAP:
                self._close()

    def _close(self) -> None:
        scope, self.scope = self.scope, None
        if scope is None:
            return
        if scope.negated:
            what = ", ".join(f"'{p}'" for p in scope.negated)
            self.filler.append(_unknown(scope.cue, f"negation of {what}"))
        else:
            self.unknown.append(_unknown(scope.cue, "negation with nothing understood after it"))

    def _is_joiner(self, i: int) -> bool:
        t = self.toks[i]
        return (t.text in _JOINERS and 0 < i < len(self.toks) - 1
                and self.toks[i - 1].kind in _WORDS and self.toks[i + 1].kind in _WORDS
                and self.toks[i - 1].end == t.start and self.toks[i + 1].start == t.end)

    def _run_of_words(self, i: int, limit: int) -> list[int]:
        """Indices of up to `limit` consecutive words from i (hyphens inside words skipped)."""
        out, j = [], i
        while j < len(self.toks) and len(out) < limit and self.toks[j].kind in _WORDS:
            out.append(j)
            j += 2 if j + 1 < len(self.toks) and self._is_joiner(j + 1) else 1
        return out

    def _phrase(self, i: int):
        run = self._run_of_words(i, self.lex.max_len)
        for n in range(len(run), 0, -1):
            key = tuple(self.toks[j].norm for j in run[:n])
            found = self.lex.senses.get(key) or self.lex.unsupported.get(key)
            if found is not None:
                return run[n - 1] + 1, found, "lexicon"
        return None

    def _facial_hair_colour(self, i: int):
        """'grey' in 'grey stubble', 'salt and pepper' in 'salt-and-pepper beard': the colour is not
        drawable (and is not the head's hair colour); the facial-hair word after it is read as usual."""
        run = self._run_of_words(i, 4)
        norms = [self.toks[j].norm for j in run]
        for n in range(min(3, len(run) - 1), 0, -1):
            if tuple(norms[:n]) in self.lex.facial_hair_colours and norms[n] in self.lex.facial_hair_nouns:
                return run[n - 1] + 1, FACIAL_HAIR_COLOUR_REASON, "lexicon"
        return None

    def _age(self, i: int):
        """'aged 45', 'aged about 45', '45 years old', 'about 45 years', '45-year-old', '45 yo',
        '45-ish' -> Young (under YOUNG_BELOW)."""
        run = self._run_of_words(i, 6)
        norms = [self.toks[j].norm for j in run]
        lead = 0
        while lead < min(2, len(norms) - 1) and norms[lead] in self.lex.age_prefixes:
            lead += 1
        if lead == 0 and not (len(norms) >= 2 and norms[1] in self.lex.age_units):
            return None
        n = _age_value(norms[lead]) if lead < len(norms) else None
        if n is None:
            return None
        used = lead + 1
        if norms[used:used + 1] and norms[used] in self.lex.age_units:
            used += 2 if norms[used + 1:used + 2] == ["old"] else 1
        return run[used - 1] + 1, _AGE_YOUNG if n < YOUNG_BELOW else _AGE_OLD, "age"


_AGE_YOUNG = Sense((("Young", True),))
_AGE_OLD = Sense((("Young", False),))


def _age_value(word: str) -> Optional[int]:
    if not word.isdecimal() or len(word) > 3:
        return None
    n = int(word)
    return n if 0 < n < 130 else None


def _unknown(tok: Token, reason: str) -> Unknown:
    return Unknown(tok.text, tok.start, tok.end, reason)


def parse(text: str, lexicon: Optional[Lexicon] = None) -> ParseResult:
    """Read free text; never raises on odd input (emoji, HTML, other scripts, long text)."""
    if not isinstance(text, str):
        raise TypeError(f"free text must be a str, not {type(text).__name__}")
    return _Reader(text, lexicon or default_lexicon()).run()
