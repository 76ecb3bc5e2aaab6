"""The build: its stages (one module each in :mod:`.stages`), the engine that runs them and
reuses what is up to date (:mod:`.engine`), how a stage's fingerprint is computed
(:mod:`.fingerprint`) and where its record is kept (:mod:`.stamps`)."""
