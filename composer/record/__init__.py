"""Session persistence: the steps a session records, their exact encodings, and the recovery folder.

`steps` (Step, ShownImage, Exposure), `codec` (latents, masks and PNGs, bit-exact) and `recovery`
(the autosave folder). Below `composer.session` and `composer.casefile`; imports neither, nor Qt.
"""
