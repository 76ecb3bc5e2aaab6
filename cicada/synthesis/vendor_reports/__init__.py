"""Reading vendor HLS reports: where a run left them, which top they describe, and what they say.

Layouts understood (paths relative to the hls4ml project folder):

- Vivado/Vitis HLS project: ``<name>_prj/<solution>/syn/report/`` (any solution name; with
  several, the newest C-synthesis report wins and the result says so);
- Vitis unified: ``<work>/hls/syn/report/``, e.g. hls4ml VitisUnified's
  ``vitis_workspace/<name>/vitis_unified_project/hls/syn/report/``;
- flat: the reports copied into the folder itself.

The top is the function the HLS project synthesized: the ``top`` of ``hls.app`` /
``vivado_hls.app``, ``syn.top`` of a Vitis unified config, ``set_top`` in ``build_prj.tcl``, or
hls4ml's config (VivadoAccelerator wraps ``<name>`` in ``<name>_axi``), in that order.

Readers: ``<top>_csynth.xml``, else the text report (``<top>_csynth.rpt`` or ``csynth.rpt``, the
classic report or Vitis's synthesis summary), the co-simulation report and Vivado's
``report_utilization`` (``vivado_synth.rpt``, tables read by their column names).

Latency comes in clock cycles; it is converted to ns with the *target* clock period and to
LHC bunch crossings of 25 ns, and, when the estimated clock period exceeds the target (a timing
violation), also with the estimated period. The algorithm accepts one event per crossing when
the initiation interval times the clock period is at most 25 ns. A figure the report leaves
undefined ("undef", "?") is ``None`` with a sibling ``<name>_reason``.

One module per step and per report: :mod:`.locate` (where the reports are and which top),
:mod:`.read` (all of them at once: :func:`~.read.read_reports`), :mod:`.csynth_xml` and
:mod:`.csynth_text` (C synthesis), :mod:`.cosim`, :mod:`.vivado`, and what they share:
:mod:`.timing` (cycles to ns and bunch crossings), :mod:`.figures` (numbers and undefined
figures) and :mod:`.text_tables`. Nothing is imported here (docs/architecture.md).
"""
