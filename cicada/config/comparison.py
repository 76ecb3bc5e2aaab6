"""The ``comparison`` section of a build config: more students trained beside the build's own, on the
same data and the same teacher targets, and compared with it in the report ("Students compared").

An entry names a student and replaces some keys of the ``student`` section (``architecture``,
``input``, ``epochs``, ...); every key it leaves out is the build's own student's. A key given
replaces the whole key (``sample_weights: {enabled: false}`` gives that mapping's defaults for the
rest). The student it describes is checked as the build's own student is, in the build's config
(``data.region_bits`` for an input that reads the bits, ``hls.layers`` naming its layers, ...):
:func:`entry_config` is that config. Left empty (the default), the section is in no fingerprint
and the build has no comparison stage.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Optional

from pydantic import create_model, model_validator

from .model import ConfigModel, Name, Number, Text, invalid, option, rebuild_on_change
from .registries.layers import LAYER_TYPES
from .registries.student_inputs import STUDENT_INPUTS
from .registries.students import STUDENTS
from .student_section import StudentConfig

#: What an entry may not replace: the student it trains is scored, converted and synthesized as a
#: student of this build, from this build's teacher.
NOT_REPLACED = ("start_from",)


class _ComparisonStudentBase(ConfigModel):
    """A student trained beside the build's own for the comparison: its name, what it is, and the keys of the
    student section it replaces (the others are the build's own student's)."""

    name: Name = option("the student's name in the report and its folder (models/<build>/comparison/<name>/)")
    description: Text = option("what the student is, in a few words (the report's table shows it)", "")

    def overrides(self) -> dict[str, Any]:
        """The student-section keys this entry sets (null or left out: the build's own student's), as plain data."""
        given = self.model_dump(mode="json", exclude_none=True)
        return {key: value for key, value in given.items() if key not in ("name", "description")}


def _constrained(field):
    """A student-section field's type with its constraints (``epochs >= 1``), so a bad value is the entry's error."""
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


#: one field per student-section key, None (the build's own student's) unless given
ComparisonStudent = rebuild_on_change(LAYER_TYPES, STUDENTS, STUDENT_INPUTS)(
    create_model(  # type: ignore[call-overload]
        "ComparisonStudent",
        __base__=_ComparisonStudentBase,
        __doc__=_ComparisonStudentBase.__doc__,
        **{
            key: (
                Optional[_constrained(field)],  # type: ignore[valid-type]
                option(f"replaces student.{key} (null: the build's own student's): {field.description}", None),
            )
            for key, field in StudentConfig.model_fields.items()
            if key not in NOT_REPLACED
        },
    )
)


class ComparisonConfig(ConfigModel):
    """Students compared with the build's own in the report (AUC, efficiency at a rate, pure rate, LUT,
    latency), each trained on the same data and teacher targets, converted, scored bit-exactly and
    synthesized with the RTL flow as the build's own. Empty: no comparison (the default)."""

    fingerprint_omits_defaults: ClassVar[tuple[str, ...]] = ("students", "rate_khz")

    students: tuple[ComparisonStudent, ...] = option(  # type: ignore[valid-type]
        "students trained beside the build's own: each a name, a description and the keys of the student section it "
        "replaces, e.g. {name: v2_et, description: CICADA v2 on region ET, architecture: cicada_v2, input: et}",
        (),
    )
    rate_khz: Number = option(
        "the rate (kHz) of the efficiencies and pure rates compared; one of rates.target_rates_khz", 1.0, gt=0.0
    )

    @model_validator(mode="after")
    def _unique(self):
        names = [entry.name for entry in self.students]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise invalid(f"expected a name no other comparison student has, got {name!r}", f"students.{i}.name")
        return self

    def active(self) -> bool:
        return bool(self.students)


def entry_data(config, index: int) -> dict:
    """The build config whose student is ``comparison.students[index]``: the build's own with that entry's keys
    replacing its student's, no comparison of its own, ``hls.input_precision`` following the entry's input
    when the build's follows its own (a type set by hand stays), and no ``hls.layers`` for the teacher's encoder
    (they name the build's student's layers), as plain data (:func:`entry_config` validates it)."""
    entry = config.comparison.students[index]
    data = config.plain()
    data["student"] = {**data["student"], **entry.overrides()}
    data["comparison"] = {}
    data["name"] = f"{config.name}.{entry.name}"
    own = STUDENT_INPUTS.get(config.student.input).precision
    if config.hls.input_precision == own:
        data["hls"].pop("input_precision", None)
    if data["student"].get("firmware") == "teacher_encoder" and config.student.firmware != "teacher_encoder":
        data["hls"].pop("layers", None)  # the build's per-layer settings name its student's layers, not the encoder's
    return data


def entry_config(config, index: int):
    """:func:`entry_data` validated: the config of ``comparison.students[index]``'s build."""
    return type(config).model_validate(entry_data(config, index))
