"""Property tests of the config loader: whatever the file holds, the answer is a valid config
or one ConfigError, never another exception; accepted values respect the schema's bounds."""

from __future__ import annotations

import math

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cicada.config.loader import config_from_mapping, load_config
from cicada.core.errors import ConfigError

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
KEYS = [
    "name",
    "seed",
    "data",
    "teacher",
    "student",
    "hls",
    "verify",
    "synthesis",
    "rates",
    "pileup",
    "epochs",
    "zero_bias_events",
    "signals",
    "kind",
    "layers",
    "type",
    "units",
    "strategy",
    "reuse_factor",
    "rtl",
    "run",
]
keys = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents)
def test_any_yaml_document_is_a_config_or_one_config_error(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(yaml.safe_dump(document))
    try:
        config = load_config(path)
    except ConfigError as err:
        message = str(err)
        assert message and "\n" not in message.strip()
        return
    assert config.name


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("abc: -[]{}&*!|>'\"#\n\t0123456789.,?%@`")),
        max_size=200,
    )
)
def test_any_text_is_a_config_or_one_config_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(text)
    try:
        load_config(path)
    except ConfigError as err:
        assert "\n" not in str(err).strip()


numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**9), 10**9))


@settings(max_examples=200, deadline=None)
@given(pileup=numbers, learning_rate=numbers, events=numbers)
def test_accepted_numbers_are_finite_and_within_bounds(pileup, learning_rate, events):
    raw = {
        "name": "p",
        "data": {"pileup": pileup, "zero_bias_events": events},
        "teacher": {"learning_rate": learning_rate},
    }
    try:
        config = config_from_mapping(raw)
    except ConfigError as err:
        assert any(key in str(err) for key in ("pileup", "learning_rate", "zero_bias_events"))
        return
    assert math.isfinite(config.data.pileup) and 0 <= config.data.pileup <= 300
    assert math.isfinite(config.teacher.learning_rate) and config.teacher.learning_rate > 0
    assert config.data.zero_bias_events >= 10 and float(config.data.zero_bias_events).is_integer()
