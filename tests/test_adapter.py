"""The linear adapter: trained beside early stopping it is the same as trained after it; it pulls an entry's questions
together; early stopping picks a step count from held-out questions."""

from __future__ import annotations

import numpy as np

from assistant.build import adapter


def _toy(entries: int = 40, per_entry: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Entries as noisy copies of a centre, with a shared nuisance direction that the adapter should learn to
    ignore (it makes raw nearest neighbours unreliable)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((entries, 64))
    owner = np.repeat(np.arange(entries), per_entry)
    nuisance = rng.standard_normal((len(owner), 1)) * rng.standard_normal((1, 64)) * 3
    x = centres[owner] + 0.8 * rng.standard_normal((len(owner), 64)) + nuisance
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), owner


def test_adapters_trained_beside_early_stopping_equal_adapters_trained_after_it() -> None:
    x, owner = _toy()
    cfg = adapter.AdapterConfig(batch_entries=16, max_steps=300, check_every=25, patience=2)
    masks: list[np.ndarray | None] = [np.arange(len(owner)) % 3 != k for k in range(3)] + [None]
    info, together = adapter.fit_early_stopped(x, owner, masks, cfg)
    assert info == adapter.fit_early_stopped(x, owner, [], cfg)[0]  # the adapters beside it change nothing
    assert 0 < info["steps"] < cfg.max_steps  # stopped early: the adapters had to go back to a kept copy
    everything = np.ones(len(owner), dtype=bool)
    alone = [adapter.train(x, adapter.entry_groups(owner, everything if m is None else m), int(info["steps"]), cfg)
             for m in masks]
    for a, b in zip(together, alone, strict=True):
        assert a is not None and b is not None
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_the_adapter_improves_held_out_nearest_neighbours() -> None:
    x, owner = _toy()
    cfg = adapter.AdapterConfig(batch_entries=16, max_steps=300, check_every=25)
    info, _ = adapter.fit_early_stopped(x, owner, [], cfg)
    assert info["steps"] > 0
    assert info["val_top1"] > info["val_top1_before"] + 0.05, info


def test_no_adapter_when_nothing_can_be_learned() -> None:
    x, owner = _toy()
    # every entry has one question: nothing to hold out or learn from
    assert adapter.fit_early_stopped(x, np.arange(len(x)), [None, None]) == ({"steps": 0}, [None, None])
    # an adapter whose questions all belong to one entry has nothing to contrast
    cfg = adapter.AdapterConfig(batch_entries=16, max_steps=100, check_every=25)
    info, matrices = adapter.fit_early_stopped(x, owner, [owner == 0, None], cfg)
    assert info["steps"] > 0
    assert matrices[0] is None and matrices[1] is not None
