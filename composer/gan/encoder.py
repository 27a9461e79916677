"""Sentence encoder: a DAMSM-style bi-LSTM over word embeddings.

The sentence vector is the concatenation of the last forward and first backward hidden states
(DAMSM), optionally with the word outputs max-pooled over the sentence ("last+max": each phrase
then reaches the sentence vector directly, whatever its position, which trains faster), projected and L2-normalised then scaled by sqrt(dim), so the generator sees inputs of a steady
magnitude whatever the caption's length.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from composer.gan.config import ModelConfig


class TextEncoder(nn.Module):
    def __init__(self, config: ModelConfig, vocab_size: int):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(vocab_size, config.emb_dim, padding_idx=0)
        self.rnn = nn.LSTM(config.emb_dim, config.hidden, batch_first=True, bidirectional=True)
        self.pool_max = config.text_pool == "last+max"
        self.proj = nn.Linear((4 if self.pool_max else 2) * config.hidden, config.cond_dim)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids [B,T] (0-padded), lengths [B] -> sentence vectors [B, cond_dim]."""
        x = self.embed(ids)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, (h, _) = self.rnn(packed)
        h = torch.cat([h[0], h[1]], dim=1)
        if self.pool_max:
            words, _ = pad_packed_sequence(out, batch_first=True, padding_value=float("-inf"))
            h = torch.cat([h, words.max(dim=1).values], dim=1)
        s = self.proj(h)
        return nn.functional.normalize(s, dim=1) * math.sqrt(self.config.cond_dim)


def batch_ids(token_lists: list[list[int]], device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad token-id lists into [B,T] with their lengths."""
    lengths = torch.tensor([len(t) for t in token_lists], dtype=torch.long)
    ids = torch.zeros(len(token_lists), int(lengths.max()), dtype=torch.long)
    for i, t in enumerate(token_lists):
        ids[i, : len(t)] = torch.tensor(t, dtype=torch.long)
    return ids.to(device), lengths
