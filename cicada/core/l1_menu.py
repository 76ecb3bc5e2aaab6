"""Facts about the CMS Level-1 menu the anomaly trigger runs beside: the one home of each.

The emulated standard seeds (:mod:`cicada.evaluation.l1_seeds`) stand for three unprescaled
calorimeter seeds of the Run 3 menu. By default their thresholds are fitted so that each runs
at its rate in the menu; these are those rates, each with where it comes from and whether it
was measured or is an assumption (a report labels an assumed rate "assumed, not measured").

Status: ``L1_SingleJet180``, ``L1_HTT280er`` and ``L1_ETMHF90`` have prescale 1 in the
2.0E34 column of the official 2024 menu's prescale table (cms-l1-dpg/L1MenuRun3,
``official/L1Menu_Collisions2024_v1_3_0/PrescaleTable/L1Menu_Collisions2024_v1_3_0.csv``,
bits 309, 406, 420), and the 2025 menu keeps them (the unprescaled seeds DESIGN.md lists).
In 2022 ``L1_ETMHF90`` was the first energy-sum seed switched off in the 2.1E34 backup
column (``official/L1Menu_Collisions2022_v1_3_0/PrescaleTable/README.md``): a seed whose rate
the menu counts, at the edge of what it can afford.

Rates: no public per-seed rate of these seeds at 2.0E34 (pileup about 60) was found (searched:
the L1MenuRun3 repository, whose prescale tables hold prescales and no rates; CMS public
trigger papers and pages). The figures below are therefore **assumptions, not measurements**:
the size of an unprescaled jet or energy-sum seed in a menu of about 100 kHz, larger for the
HT seed (the lowest unprescaled HTT threshold: its neighbours below are prescaled by 500 and
more in the same table) and for missing ET than for the single jet. Set
``rates.seeds.<seed>_rate_khz`` to use measured rates.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The Level-1 accept rate the whole menu must fit in (kHz): every seed and the anomaly trigger together.
LEVEL1_BUDGET_KHZ = 100.0

PRESCALE_TABLE = (
    "cms-l1-dpg/L1MenuRun3 official/L1Menu_Collisions2024_v1_3_0/PrescaleTable/L1Menu_Collisions2024_v1_3_0.csv "
    "(column 2p0E34)"
)
ASSUMED = (
    "assumed, not measured: no public per-seed rate at 2.0E34 found; the size of an unprescaled "
    "calorimeter seed in a ~100 kHz menu (cicada/core/l1_menu.py)"
)


@dataclass(frozen=True)
class MenuSeed:
    """One unprescaled seed of the menu: its name, threshold (calibrated GeV) and rate."""

    name: str
    threshold_gev: float
    #: its rate in the menu at about 2.0E34 (pileup about 60), kHz
    rate_khz: float
    #: where the rate comes from
    rate_source: str
    #: whether the rate was measured (False: an assumption, labelled as one wherever it is shown)
    rate_measured: bool
    #: where its status in the menu (unprescaled) comes from
    status_source: str


SINGLE_JET = MenuSeed("L1_SingleJet180", 180.0, 3.0, ASSUMED, False, f"prescale 1, bit 309: {PRESCALE_TABLE}")
HTT = MenuSeed("L1_HTT280er", 280.0, 10.0, ASSUMED, False, f"prescale 1, bit 406: {PRESCALE_TABLE}")
ETMHF = MenuSeed("L1_ETMHF90", 90.0, 5.0, ASSUMED, False, f"prescale 1, bit 420: {PRESCALE_TABLE}")

#: The seeds the regions let cicada emulate, by the name the evaluation gives them.
SEEDS = {"SingleJet": SINGLE_JET, "HTT": HTT, "ETM": ETMHF}
