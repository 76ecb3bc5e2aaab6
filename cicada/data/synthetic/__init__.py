"""The embedded numpy generator: pileup (:mod:`.pileup`) and jets (:mod:`.jets`) at trigger-tower level."""
