"""Word vocabulary for the text encoder, stored as JSON (never pickled).

Tokenisation is nltk's RegexpTokenizer over lower-case letters, so captions and free text
are split the same way everywhere and no nltk data needs downloading.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from nltk.tokenize import RegexpTokenizer

PAD, UNK = "<pad>", "<unk>"
_TOKENIZER = RegexpTokenizer(r"[a-z]+")


def tokenize(text: str) -> list[str]:
    """Lower-case alphabetic tokens of a caption."""
    return _TOKENIZER.tokenize(text.lower())


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]
    index: dict = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.words[:2] != (PAD, UNK):
            raise ValueError("vocabulary must start with <pad>, <unk>")
        if len(set(self.words)) != len(self.words):
            raise ValueError("vocabulary has duplicate words")
        object.__setattr__(self, "index", {w: i for i, w in enumerate(self.words)})

    @classmethod
    def build(cls, texts: Iterable[str]) -> "Vocabulary":
        seen = sorted({t for text in texts for t in tokenize(text)})
        return cls((PAD, UNK, *seen))

    def encode(self, text: str) -> list[int]:
        """Token ids of every word; unknown words map to <unk> (never dropped)."""
        return [self.index.get(t, 1) for t in tokenize(text)] or [1]

    def unknown(self, text: str) -> list[str]:
        return [t for t in tokenize(text) if t not in self.index]

    def __len__(self) -> int:
        return len(self.words)

    def to_json(self) -> dict:
        return {"words": list(self.words)}

    @classmethod
    def from_json(cls, d: dict) -> "Vocabulary":
        words = d.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError("vocabulary JSON must hold a list of words")
        return cls(tuple(words))
