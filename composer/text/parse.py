"""Free text -> attribute matches, filler and words not understood, with character offsets.

Text is split with nltk's RegexpTokenizer (no nltk data needed). Every
non-space character ends up in exactly one token, and every token ends up in
exactly one place: inside an understood `Match`, in `filler` (words and
punctuation that carry no attribute, listed so nothing is dropped silently), or
in `unknown`. Phrases are matched longest first. A negation ("no", "not",
"without", "isn't"...) flips the phrases after it until a comma, full stop,
"and"/"but", a verb like "has"/"with" once it has negated something, or more than
`MAX_GAP` words without a match.

A doubt ("not sure", "can't remember") opens the same kind of scope, but what it
covers is reported as not understood (the witness was unsure) rather than drawn.
A correction cue ("Correction:", "actually", "no wait") is kept in `filler` with
the reason `CORRECTION_CUE`, so that the description can show which later
statements the witness gave as corrections. Colour + texture + "hair" ("black wavy
hair") is read word by word; ages may be spelled out ("about fifty", "forty-ish").
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from nltk.tokenize import RegexpTokenizer

from composer.text.lexicon import (FACIAL_HAIR_COLOUR_REASON, HAIR_LENGTH_REASON, PARTIAL_GREY_REASON,
                                   RED_HAIR_REASON, YOUNG_BELOW, Lexicon, Sense, default_lexicon,
                                   normalise)

# letters (any script) with inner apostrophes | digits with an optional 's | any other char
_TOKENIZER = RegexpTokenizer(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*|\d+(?:['\u2019]?[sS])?|\S")
_JOINERS = frozenset("-\u2010\u2011")
_WORDS = ("word", "number")
MAX_GAP = 4  # words a negation may reach across without finding a phrase
_NUMBER_REASON = "number (give an age as 'aged 45' or '45 years old')"
CORRECTION_CUE = "correction cue"
_MEASURE_REASON = "height and build are not visible in a face portrait"
_HAIR_NOUNS = frozenset({"hair", "haired"})
_LINK_BEFORE_AGE = frozenset({"was", "is", "looked", "looks", "seemed", "seems", "he's", "she's",
                              "age", "aged"})
_ONES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate(
    "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}


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
    note: str = ""   # an approximate reading, said in the report ("partial greying read as ...")


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
    doubt: bool = False   # "not sure": what follows is reported, not used
    end: int = -1         # where a multi-word cue ends


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
        cue = self._cue(i, self.lex.correction_cues)
        if cue is not None:
            self._close()
            stop = self.toks[cue - 1].end
            self.filler.append(Unknown(self.text[tok.start:stop], tok.start, stop, CORRECTION_CUE))
            return cue
        doubt = self._cue(i, self.lex.doubt_cues)
        if doubt is not None:
            self._close()
            self.scope = _Scope(tok, doubt=True, end=self.toks[doubt - 1].end)
            return doubt
        hair = self._hair_words(i)
        if hair is not None:
            return hair
        hit = (self._facial_hair_colour(i) or self._measure(i) or self._age(i)
               or self._phrase(i))
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
        elif tok.kind == "number" or _number([word], 0)[0] is not None:
            self.unknown.append(_unknown(tok, _NUMBER_REASON))
        else:
            self.unknown.append(_unknown(tok, "unknown word"))
        self._widen(1)
        return i + 1

    def _understand(self, sense: Sense, start: int, stop: int, how: str) -> None:
        phrase = self.text[start:stop]
        effects = sense.effects
        if self.scope is not None and self.scope.doubt and sense.negatable:
            cue = self.text[self.scope.cue.start:self.scope.end]
            self.unknown.append(Unknown(phrase, start, stop, (
                f"the witness was not sure ('{cue}'), so it is not used; choose it in the "
                "dropdown once the witness confirms it")))
            self.scope.negated.append(phrase)
            self.scope.gap = 0
            return
        if self.scope is not None and sense.negatable:
            (primary, value), rest = effects[0], effects[1:]
            effects = ((primary, not value),) + tuple(e for e in rest if e[0] == "Male")
            how = f"negated by '{self.scope.cue.text}'"
            self.scope.negated.append(phrase)
            self.scope.gap = 0
        else:
            self._widen(1)
        for attribute, value in effects:
            self.matches.append(Match(phrase, start, stop, attribute, value, "text", how, sense.note))

    def _widen(self, words: int) -> None:
        if self.scope is not None:
            self.scope.gap += words
            if self.scope.gap > MAX_GAP:
                self._close()

    def _close(self) -> None:
        scope, self.scope = self.scope, None
        if scope is None:
            return
        if scope.doubt:
            end = max(scope.end, scope.cue.end)
            what = ", ".join(f"'{p}'" for p in scope.negated) or "nothing understood after it"
            self.filler.append(Unknown(self.text[scope.cue.start:end], scope.cue.start, end,
                                       f"the witness was unsure of {what}"))
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

    def _cue(self, i: int, cues) -> Optional[int]:
        """End index of the longest cue phrase (of `cues`) starting at token i, if any."""
        run = self._run_of_words(i, 6)
        for n in range(len(run), 0, -1):
            if tuple(self.toks[j].norm for j in run[:n]) in cues:
                return run[n - 1] + 1
        return None

    def _hair_words(self, i: int) -> Optional[int]:
        """'black wavy hair', 'long dark brown curly hair': two or more hair words before "hair" or
        "haired", each read as it would be before "hair" alone (colour, texture, length...)."""
        run = self._run_of_words(i, self.lex.max_len * 3)
        norms = [self.toks[j].norm for j in run]
        parts, k = [], 0
        while k < len(run) and norms[k] not in _HAIR_NOUNS:
            for n in range(min(len(run) - k - 1, self.lex.max_len - 1), 0, -1):
                key = _hair_key(self.lex, tuple(norms[k:k + n]))
                if key is not None and not _HAIR_NOUNS.intersection(norms[k:k + n]):
                    parts.append((k, k + n, key))
                    k += n
                    break
            else:
                return None
        if len(parts) < 2 or k >= len(run):
            return None
        noun = run[k]
        for n, (a, b, key) in enumerate(parts):
            start = self.toks[run[a]].start
            stop = self.toks[noun].end if n == len(parts) - 1 else self.toks[run[b - 1]].end
            found = self.lex.senses.get(key) or self.lex.unsupported[key]
            if isinstance(found, Sense):
                self._understand(found, start, stop, "lexicon")
            else:
                self.unknown.append(Unknown(self.text[start:stop], start, stop, found))
                self._widen(1)
        return noun + 1

    def _measure(self, i: int):
        """'six foot two', '5 ft 10', '12 stone': height or build, never an age."""
        run = self._run_of_words(i, 6)
        norms = [self.toks[j].norm for j in run]
        n, used = _number(norms, 0)
        if n is None or used >= len(norms) or norms[used] not in self.lex.measure_units:
            return None
        used += 1
        more, extra = _number(norms, used)
        if more is not None:
            used = extra
            if used < len(norms) and norms[used] in self.lex.measure_units:
                used += 1
        if used < len(norms) and norms[used] == "tall":
            used += 1
        return run[used - 1] + 1, _MEASURE_REASON, "lexicon"

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
        run = self._run_of_words(i, 8)
        norms = [self.toks[j].norm for j in run]
        lead = 0
        while lead < min(2, len(norms) - 1) and norms[lead] in self.lex.age_prefixes:
            lead += 1
        n, used = _number(norms, lead)
        if n is None or not 0 < n < 130:
            return None
        unit = used < len(norms) and norms[used] in self.lex.age_units
        if used < len(norms) and norms[used] in self.lex.measure_units:
            return None  # "about six foot"
        prev = self._previous_word(i)
        if lead == 0 and not unit and not norms[0].endswith("ish") and prev not in _LINK_BEFORE_AGE:
            return None
        if n < 10 and not unit and not norms[lead].isdecimal():
            return None  # "about five eight" is a height; a spelled-out child's age needs "years"
        if unit:
            used += 2 if norms[used + 1:used + 2] == ["old"] else 1
        bound = norms[lead - 1] if lead else ""
        if bound in ("over", "nearly", "almost", "pushing", "under"):
            n = n + 1 if bound == "over" else n - 1
        if bound == "over" and n < YOUNG_BELOW or bound == "under" and n >= YOUNG_BELOW:
            return None  # "over 30", "under 50": could be either side of the line
        return run[used - 1] + 1, _AGE_YOUNG if n < YOUNG_BELOW else _AGE_OLD, "age"

    def _previous_word(self, i: int) -> str:
        return self.toks[i - 1].norm if i > 0 and self.toks[i - 1].kind in _WORDS else ""


_AGE_YOUNG = Sense((("Young", True),))
_AGE_OLD = Sense((("Young", False),))


_HAIR_ATTRIBUTES = frozenset({"Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair", "Wavy_Hair",
                               "Straight_Hair"})
_HAIR_REASONS = frozenset({RED_HAIR_REASON, HAIR_LENGTH_REASON, PARTIAL_GREY_REASON})


def _hair_key(lex: Lexicon, words: tuple[str, ...]) -> Optional[tuple[str, ...]]:
    """The lexicon key `words` has before "hair": 'black' -> ('black', 'hair'), 'blond' -> ('blond',)."""
    with_hair = words + ("hair",)
    if with_hair in lex.senses or with_hair in lex.unsupported:
        return with_hair
    sense = lex.senses.get(words)
    if sense is not None and sense.effects[0][0] in _HAIR_ATTRIBUTES:
        return words
    if lex.unsupported.get(words) in _HAIR_REASONS:
        return words
    return None


def _number(norms: list[str], k: int) -> tuple[Optional[int], int]:
    """The number at norms[k] ('45', 'forty', 'forty five', 'forty-five', 'fortyish') and the index
    after it; (None, k) if there is none."""
    if k >= len(norms):
        return None, k
    word = norms[k]
    if word.isdecimal():
        return (int(word), k + 1) if len(word) <= 3 else (None, k)
    if word.endswith("ish") and len(word) > 5:
        word = word[:-3]
    if word in _ONES:
        return _ONES[word], k + 1
    if word in _TENS:
        if k + 1 < len(norms) and norms[k + 1] in _ONES and 0 < _ONES[norms[k + 1]] < 10:
            return _TENS[word] + _ONES[norms[k + 1]], k + 2
        return _TENS[word], k + 1
    return None, k


def _unknown(tok: Token, reason: str) -> Unknown:
    return Unknown(tok.text, tok.start, tok.end, reason)


def parse(text: str, lexicon: Optional[Lexicon] = None) -> ParseResult:
    """Read free text; never raises on odd input (emoji, HTML, other scripts, long text)."""
    if not isinstance(text, str):
        raise TypeError(f"free text must be a str, not {type(text).__name__}")
    return _Reader(text, lexicon or default_lexicon()).run()
