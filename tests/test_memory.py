"""Scoring holds a chunk of events at a time, not float copies of the whole sample, and gives
the same scores, bit for bit, as scoring the whole array at once (issue 22)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from cicada.config.sections import TeacherConfig
from cicada.core import chunks
from cicada.core.seeds import numpy_stream
from cicada.core.tf import seed_everything, tensorflow
from cicada.data.synthetic.pileup import zero_bias_crossings
from cicada.models.score import reconstruction_mse
from cicada.models.student import build, student_scores
from cicada.models.teachers import teacher_for
from cicada.pipeline.engine import release_memory


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    """Synthetic zero-bias region images at pileup 60."""
    return zero_bias_crossings(5000, 60, numpy_stream(5, "memory")).images


def _recording(model, sizes: list[int]):
    """``model.predict`` noting how many events each call gets."""
    predict = model.predict

    def recorded(x, **options):
        sizes.append(len(x))
        return predict(x, **options)

    model.predict = recorded
    return predict


def test_in_chunks_concatenates_views_of_the_input():
    values = np.arange(10 * 3).reshape(10, 3)
    seen = []
    out = chunks.in_chunks(lambda part: seen.append(part.base is not None) or part.sum(axis=1), values, 4)
    assert np.array_equal(out, values.sum(axis=1)) and seen == [True, True, True]
    assert chunks.chunk_for(2048) == chunks.CHUNK_EVENTS and chunks.chunk_for(3000) % 3000 == 0
    assert chunks.chunk_for(10**6) == 10**6  # a batch larger than a chunk: one batch per chunk


def test_the_teacher_scores_in_bounded_chunks_with_the_scores_of_the_whole_array(images, monkeypatch):
    teacher = teacher_for(TeacherConfig(architecture="cicada"))
    seed_everything(1)
    model = teacher.build()
    x = teacher.inputs(images)
    whole = reconstruction_mse(x, model.predict(x, batch_size=1024, verbose=0))
    monkeypatch.setattr(chunks, "CHUNK_EVENTS", 2048)  # two batches of 1024 per chunk
    sizes: list[int] = []
    _recording(model, sizes)
    scores = teacher.score(model, images, batch_size=1024)
    assert sizes == [2048, 2048, len(images) - 2 * 2048]
    assert np.array_equal(scores, whole)  # the same batches: the same numbers


def test_scoring_memory_does_not_grow_with_the_sample(images, monkeypatch):
    """numpy's allocations (traced by tracemalloc) while the teacher scores 5,000 images stay under one
    float64 copy of them: unchunked, the reconstruction error alone made three."""
    teacher = teacher_for(TeacherConfig(architecture="cicada"))
    seed_everything(1)
    model = teacher.build()
    monkeypatch.setattr(chunks, "CHUNK_EVENTS", 256)
    teacher.score(model, images[:256], batch_size=256)  # Keras' one-time set-up outside the trace
    tracemalloc.start()
    try:
        teacher.score(model, images, batch_size=256)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    one_float64_copy = images.size * 8
    assert peak < one_float64_copy / 2, (
        f"{peak / 1e6:.1f} MB traced, one float64 copy is {one_float64_copy / 1e6:.1f} MB"
    )


def test_the_student_scores_in_bounded_chunks_with_the_scores_of_the_whole_array(images, monkeypatch):
    from cicada.config.sections import StudentConfig

    seed_everything(2)
    model = build(StudentConfig())
    whole = model.predict(images.reshape(len(images), -1).astype(np.float32), batch_size=512, verbose=0)[:, 0]
    monkeypatch.setattr(chunks, "CHUNK_EVENTS", 2048)
    sizes: list[int] = []
    _recording(model, sizes)
    scores = student_scores(model, images, batch_size=512)
    assert max(sizes) == 2048 and sum(sizes) == len(images)
    assert np.array_equal(scores, whole.astype(np.float64))


def test_a_finished_stage_leaves_no_keras_state_behind():
    """The engine clears Keras' global state after each stage: a new layer's name starts afresh."""
    tf = tensorflow()
    tf.keras.layers.Dense(1)
    release_memory()
    assert tf.keras.layers.Dense(1).name == "dense"
