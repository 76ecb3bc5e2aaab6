"""The firmware: hls4ml conversion with proven precisions, C simulation, emulator library, test vectors."""
