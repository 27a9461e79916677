"""Region lock: regions, masks, the latent optimiser, paste-back and photo alignment.

Only the torch-free settings/result types are imported here; import `composer.edit.lock`
(the optimiser) or `composer.edit.align` explicitly."""
from composer.edit.settings import LockProgress, LockResult, LockSettings

__all__ = ["LockProgress", "LockResult", "LockSettings"]
