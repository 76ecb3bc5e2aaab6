"""Tracking: a finished build (or scan) as MLflow runs, read from the build's own records.

A build's run is assembled from ``report.json``, the stage stamps and the training histories
(:mod:`.build_run`), never from stage internals, then written to the store (:mod:`.store`).
:mod:`.ledger` remembers what was logged, so a build that reused every stage logs nothing new.
"""
