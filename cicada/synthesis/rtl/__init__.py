"""The open-source RTL flow: the student as pipelined, multiplier-free Verilog (alkaid),
simulated bit for bit in Verilator and synthesized by Yosys for its LUT, FF and logic depth.

* :mod:`.trace` turns the QKeras model into alkaid's adder graph with QKeras' exact rounding;
* :mod:`.project` pipelines it and writes ``hls_projects/<name>/rtl/`` (Verilog, a valid
  signal, Vivado scripts, constraints, a Verilator testbench);
* :mod:`.simulate` builds the testbench and counts cycles from input to valid output;
* :mod:`.yosys` synthesizes the stages and reads back cells and logic depth;
* :mod:`.tools` finds Verilator and Yosys;
* :mod:`.backend` is the ``rtl`` synthesis backend that runs all of it.

No open tool places and routes a Virtex-7: the logic depth says what the clock could be,
as an estimate; timing closure is a vendor fact.
"""
