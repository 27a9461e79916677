"""DF-GAN losses as pure functions: hinge loss with mismatched-caption negatives and the
matching-aware zero-centred gradient penalty (MA-GP, k=2, p=6) on real images and their captions."""
from __future__ import annotations

from typing import Callable, Optional

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
                       with_gp: bool = True, augment: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
                       gp_scale: float = 1.0) -> tuple[torch.Tensor, dict]:
    """Hinge loss on real/matching, fake and real/mismatched pairs, plus MA-GP.

    `augment` (DiffAugment) transforms every image the discriminator scores for the hinge terms;
    the gradient penalty is then taken on the un-augmented reals, in their own forward pass, so it
    keeps regularising D on the data manifold rather than on translated, cut-out copies of it.
    `with_gp=False` skips the double backward (lazy regularisation); `gp_scale` is then the
    interval k, so the penalty's average weight over k steps stays what it was (StyleGAN2's lazy R1).
    """
    aug = augment is not None
    if aug:
        real_seen, fake_seen = augment(real), augment(fake.detach())
    else:
        real_seen, fake_seen = real.requires_grad_(with_gp), fake.detach()
    sentences = sentences.detach().requires_grad_(with_gp and not aug)
    feats_real = disc.features(real_seen)
    s_real = disc.logits(feats_real, sentences)
    s_mis = disc.logits(feats_real, mismatched)
    s_fake = disc.logits(disc.features(fake_seen), sentences)
    l_real = F.relu(1.0 - s_real).mean()
    l_mis = F.relu(1.0 + s_mis).mean()
    l_fake = F.relu(1.0 + s_fake).mean()
    if not with_gp:
        gp = s_real.new_zeros(())
    elif aug:
        plain = real.detach().requires_grad_(True)
        sent_gp = sentences.detach().requires_grad_(True)
        gp = ma_gradient_penalty(disc.logits(disc.features(plain), sent_gp), plain, sent_gp, gp_k, gp_p)
    else:
        gp = ma_gradient_penalty(s_real, real, sentences, gp_k, gp_p)
    loss = l_real + 0.5 * (l_fake + l_mis) + gp_scale * gp
    return loss, {"d_real": l_real.detach(), "d_fake": l_fake.detach(), "d_mis": l_mis.detach(), "gp": gp.detach(),
                  "real_spread": feature_spread(feats_real.detach())}


def pair_distances(feats_a: torch.Tensor, feats_b: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference per pair [B] between two batches of feature maps."""
    return (feats_a.float() - feats_b.float()).abs().flatten(1).mean(1)


def feature_spread(feats: torch.Tensor) -> torch.Tensor:
    """How different two photos look to the discriminator: the mean pair distance between the first
    and the second half of a batch of real-image features (pairs of unrelated faces)."""
    h = feats.shape[0] // 2
    return pair_distances(feats[:h], feats[h:2 * h]).mean()


def generator_loss(disc, fake: torch.Tensor, sentences: torch.Tensor,
                   augment: Optional[Callable[[torch.Tensor], torch.Tensor]] = None) -> torch.Tensor:
    """Hinge generator loss: raise the matching-aware score of fakes (seen through the same
    augmentation as in the D step, so G is not pushed to produce augmentation artefacts)."""
    seen = augment(fake) if augment is not None else fake
    return generator_hinge(disc, disc.features(seen), sentences)


def generator_hinge(disc, features: torch.Tensor, sentences: torch.Tensor) -> torch.Tensor:
    """The generator's hinge term from the discriminator's features of the fakes it saw, for a G step
    that needs those features for another term as well (`feature_diversity_loss`)."""
    return -disc.logits(features, sentences).mean()


def mode_seeking_loss(fake_a: torch.Tensor, fake_b: torch.Tensor, z_a: torch.Tensor, z_b: torch.Tensor,
                      eps: float = 1e-5) -> torch.Tensor:
    """MSGAN's mode-seeking term (Mao et al., CVPR 2019) for pairs drawn for the same caption:
    1 / (mean|G(z_a) - G(z_b)| / mean|z_a - z_b| + eps). Minimising it pushes two latents to give
    two different faces, the cure for a conditional generator's look-alike candidates."""
    ratio = (fake_a.float() - fake_b.float()).abs().mean() / (z_a.float() - z_b.float()).abs().mean()
    return 1.0 / (ratio + eps)


def feature_diversity_loss(feats_a: torch.Tensor, feats_b: torch.Tensor, real_spread: torch.Tensor,
                           eps: float = 1e-8) -> torch.Tensor:
    """Bounded mode-seeking in the discriminator's feature space, for pairs drawn for the same caption:
    mean over pairs of relu(1 - d / real_spread), d = a pair's mean feature difference and real_spread =
    the same distance between two unrelated real photos (`feature_spread`, no gradient).

    In [0, 1]: 1 for identical twins, 0 once a pair differs as much as two photos do. MSGAN's pixel term
    (`mode_seeking_loss`) rewards any pixel change without bound, and at weight 2 and more the generator
    bought it with white holes; here a difference counts only as far as the discriminator sees one
    between real faces, and no further."""
    d = pair_distances(feats_a, feats_b)
    return F.relu(1.0 - d / real_spread.detach().float().clamp_min(eps)).mean()


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
