"""`cicada show FILE`: look at a dataset of region images (PNG) and print its statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core import geometry as geo
from ..core.files import atomic_path
from .hdf5 import read_regions
from .imagestats import hottest_region, total_et, zero_bias_statistics

PHI_EDGES_DEG = np.degrees(geo.REGION_PHI_WIDTH) * (np.arange(geo.N_PHI + 1) - 0.5)


def _draw_image(ax, image: np.ndarray, title: str, plt):
    mesh = ax.pcolormesh(geo.REGION_ETA_EDGES, PHI_EDGES_DEG, image, cmap="viridis", shading="flat")
    ax.set_title(title, fontsize="small")
    ax.set_xlabel("eta")
    ax.set_ylabel("phi [deg]")
    plt.colorbar(mesh, ax=ax, label="region ET [LSB = 0.5 GeV]")


def show_dataset(path: Path, output: Path | None = None, examples: int = 3, seed: int = 0) -> tuple[Path, dict]:
    """Draw example events, the mean image and ET distributions of a region file.

    Returns the PNG path (default: next to the file, same name, .png) and the statistics.
    """
    from ..core.plotting import pyplot

    path = Path(path)
    images = read_regions(path)
    output = Path(output) if output else path.with_suffix(".png")
    plt = pyplot()
    fig, axes = plt.subplots(2, examples + 1, figsize=(4.2 * (examples + 1), 7.5))
    picks = np.random.default_rng(seed).choice(len(images), min(examples, len(images)), replace=False)
    for ax, index in zip(axes[0], picks):
        _draw_image(ax, images[index], f"event {index}: total {total_et(images[index : index + 1])[0]} LSB", plt)
    for ax in axes[0][len(picks) : examples]:
        ax.axis("off")
    _draw_image(axes[0][examples], images.mean(axis=0), f"mean of {len(images):,} events", plt)

    values = images.ravel()
    axes[1][0].hist(values, bins=np.arange(0, min(values.max(), geo.REGION_ET_MAX) + 2) - 0.5, histtype="step")
    axes[1][0].set_yscale("log")
    axes[1][0].set_xlabel("region ET [LSB]")
    axes[1][0].set_ylabel("regions")
    panels = [(total_et(images), "total ET per event [LSB]"), (hottest_region(images), "hottest region ET [LSB]")]
    for ax, (data, label) in zip(axes[1][1:3], panels):
        ax.hist(data, bins=60, histtype="step")
        ax.set_xlabel(label)
        ax.set_ylabel("events")
    for ax in axes[1][3:]:
        ax.axis("off")
    profile = axes[1][examples] if examples >= 3 else None
    if profile is not None:
        profile.axis("on")
        profile.step(geo.REGION_ETA_CENTRES, images.mean(axis=(0, 1)), where="mid")
        profile.set_xlabel("region eta centre")
        profile.set_ylabel("mean region ET [LSB]")
    fig.suptitle(f"{path.name}: {len(images):,} events")
    fig.tight_layout()
    with atomic_path(output) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)
    return output, zero_bias_statistics(images)
