"""DF-GAN losses as pure functions: hinge loss with mismatched-caption negatives and the
matching-aware zero-centred gradient penalty (MA-GP, k=2, p=6) on real images and their captions."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def ma_gradient_penalty(scores: torch.Tensor, images: torch.Tensor, sentences: torch.Tensor,
                        k: float = 2.0, p: float = 6.0) -> torch.Tensor:
    """k * E[ ||(dD/dx, dD/ds)||^p ] at real (image, matching sentence) pairs."""
    grads = torch.autograd.grad(scores.sum(), (images, sentences), create_graph=True)
    flat = torch.cat([g.reshape(g.shape[0], -1).float() for g in grads], dim=1)
    return k * flat.norm(2, dim=1).pow(p).mean()


def discriminator_loss(disc, real: torch.Tensor, fake: torch.Tensor, sentences: torch.Tensor,
                       mismatched: torch.Tensor, gp_k: float = 2.0, gp_p: float = 6.0,
                       with_gp: bool = True) -> tuple[torch.Tensor, dict]:
    """Hinge loss on real/matching, fake and real/mismatched pairs, plus MA-GP (unless `with_gp`
    is False: lazy regularisation skips the double backward on most steps)."""
    real = real.requires_grad_(with_gp)
    sentences = sentences.detach().requires_grad_(with_gp)
    feats_real = disc.features(real)
    s_real = disc.logits(feats_real, sentences)
    s_mis = disc.logits(feats_real, mismatched)
    s_fake = disc.logits(disc.features(fake.detach()), sentences)
    l_real = F.relu(1.0 - s_real).mean()
    l_mis = F.relu(1.0 + s_mis).mean()
    l_fake = F.relu(1.0 + s_fake).mean()
    gp = ma_gradient_penalty(s_real, real, sentences, gp_k, gp_p) if with_gp else s_real.new_zeros(())
    loss = l_real + 0.5 * (l_fake + l_mis) + gp
    return loss, {"d_real": l_real.detach(), "d_fake": l_fake.detach(), "d_mis": l_mis.detach(), "gp": gp.detach()}


def generator_loss(disc, fake: torch.Tensor, sentences: torch.Tensor) -> torch.Tensor:
    """Hinge generator loss: raise the matching-aware score of fakes."""
    return -disc.logits(disc.features(fake), sentences).mean()


def ema_decay_at(step: int, decay: float) -> float:
    """EMA decay with a warm-up, min(decay, (1 + step) / (10 + step)): early on the average follows
    the generator closely, so a short run's EMA is not dominated by its random initialisation
    (with a fixed 0.999, 1,700 steps would still keep 18 % of the initial weights)."""
    return min(decay, (1.0 + step) / (10.0 + step))


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """Exponential moving average of parameters; buffers are copied."""
    for pe, pm in zip(ema.parameters(), model.parameters()):
        pe.lerp_(pm.detach(), 1.0 - decay)
    for be, bm in zip(ema.buffers(), model.buffers()):
        be.copy_(bm)
