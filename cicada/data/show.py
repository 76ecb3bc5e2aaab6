"""`cicada show FILE`: look at a dataset of region images (PNG) and print its statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config.ntuples import NtupleOptions
from ..core import geometry as geo
from ..core.errors import DataError
from ..core.files import atomic_path
from .imagestats import hottest_region, total_et, zero_bias_statistics
from .inputs.table import open_source
from .region_bits import BIT_FIELDS, bit_occupancy, has_bits, region_et

PHI_EDGES_DEG = np.degrees(geo.REGION_PHI_WIDTH) * (np.arange(geo.N_PHI + 1) - 0.5)
#: Region ET bins (LSB) of the occupancy-against-ET panel: empty, then roughly logarithmic.
OCCUPANCY_ET_EDGES = np.array([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, geo.REGION_ET_MAX + 1])


def _draw_image(ax, image: np.ndarray, title: str, plt, label: str = "region ET [LSB = 0.5 GeV]", **style):
    mesh = ax.pcolormesh(geo.REGION_ETA_EDGES, PHI_EDGES_DEG, image, cmap="viridis", shading="flat", **style)
    ax.set_title(title, fontsize="small")
    ax.set_xlabel("eta")
    ax.set_ylabel("phi [deg]")
    plt.colorbar(mesh, ax=ax, label=label)


def _draw_bits(axes, images: np.ndarray, plt) -> None:
    """Each bit's occupancy per region (two maps) and against region ET (one panel)."""
    occupancy = bit_occupancy(images)
    for ax, field in zip(axes, BIT_FIELDS):
        title = f"{field} occupancy: {occupancy[field]:.3f} of all regions"
        _draw_image(ax, images[field].mean(axis=0), title, plt, f"fraction of events with {field} = 1", vmin=0, vmax=1)
    et = images["et"].ravel()
    which = np.digitize(et, OCCUPANCY_ET_EDGES) - 1
    counts = np.bincount(which, minlength=len(OCCUPANCY_ET_EDGES) - 1)
    centres = np.sqrt(np.maximum(OCCUPANCY_ET_EDGES[:-1], 0.5) * OCCUPANCY_ET_EDGES[1:])
    filled = counts > 0
    ax = axes[len(BIT_FIELDS)]
    for field in BIT_FIELDS:
        set_in_bin = np.bincount(which, weights=images[field].ravel(), minlength=len(counts))
        ax.step(centres[filled], set_in_bin[filled] / counts[filled], where="mid", label=field)
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("region ET [LSB] (0: first bin)")
    ax.set_ylabel("fraction of regions with the bit set")
    ax.legend(fontsize="small")
    ax.set_title("bits (Layer-1 vetoes: 1 = vetoed) against region ET", fontsize="small")


def show_dataset(
    path: Path, output: Path | None = None, examples: int = 3, seed: int = 0, ntuples: NtupleOptions | None = None
) -> tuple[Path, dict]:
    """Draw example events, the mean image and ET distributions of a region file of any input
    layout (``ntuples``: how a ROOT ntuple is read and selected), and with bits each bit's
    occupancy per region and against region ET.

    Returns the PNG path (default: next to the file, same name, .png) and the statistics (with
    the events in the file and those dropped, when a selection dropped some).
    """
    from ..core.plotting import pyplot

    path = Path(path)
    source = open_source(path, ntuples)
    stored = source.read_all()
    selection = source.selection()
    if len(stored) == 0:
        raise DataError(f"{path}: no events to show ({selection.describe()})")
    images = region_et(stored)
    bits = has_bits(stored)
    output = Path(output) if output else path.with_suffix(".png")
    plt = pyplot()
    rows, columns = (3, max(examples + 1, len(BIT_FIELDS) + 1)) if bits else (2, examples + 1)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.75 * rows), squeeze=False)
    picks = np.random.default_rng(seed).choice(len(images), min(examples, len(images)), replace=False)
    for ax, index in zip(axes[0], picks):
        _draw_image(ax, images[index], f"event {index}: total {total_et(images[index : index + 1])[0]} LSB", plt)
    for ax in [*axes[0][len(picks) : examples], *axes[0][examples + 1 :]]:
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
    statistics = zero_bias_statistics(images)
    if bits:
        for ax in axes[2][len(BIT_FIELDS) + 1 :]:
            ax.axis("off")
        _draw_bits(axes[2], stored, plt)
        statistics.update({f"{field}_occupancy": value for field, value in bit_occupancy(stored).items()})
    statistics["layout"] = source.layout.name
    if selection.dropped:
        statistics["events_in_file"] = selection.events
        statistics.update({f"dropped {reason}": count for reason, count in selection.dropped.items()})
    fig.suptitle(f"{path.name}: {len(images):,} events{', with e/gamma and tau bits' if bits else ''}")
    fig.tight_layout()
    with atomic_path(output) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)
    return output, statistics
