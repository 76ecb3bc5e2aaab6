"""Teacher and student network architectures (after Princeton-AD/cicada ``models.py``).

The registries at the top are plain data so that the config schema can validate names
without importing TensorFlow; the builders import it when called.

Batch-norm in the students: CICADA trains its dense layer as ``QDenseBatchnorm`` and
folds the batch-norm into the quantized kernel and bias for the firmware. qkeras 0.9.0
has no ``QDenseBatchnorm``, so the students here train a ``QDense`` with the *deployed*
quantizers directly (kernel ``quantized_bits(8,1,1)``, bias ``quantized_bits(8,3,1)``).
The weights the firmware uses are then exactly the weights QKeras evaluates, which keeps
the C simulation bit-exact; there are no batch-norm statistics to fold afterwards.
"""

from __future__ import annotations

from .geometry import N_ETA, N_PHI, N_REGIONS

#: Teacher architectures: "cicada" upsamples in the decoder, "cicada_revised" uses Conv2DTranspose.
TEACHERS = ("cicada", "cicada_revised")

#: Student architectures -> their layers with weights (name -> "conv" or "dense").
STUDENTS: dict[str, dict[str, str]] = {
    "cicada_v2": {"conv": "conv", "dense1": "dense", "dense2": "dense"},
    "cicada_v1": {"dense1": "dense", "dense2": "dense"},
}

#: Student input: the 18 x 14 region image flattened phi-major to 252 raw integers.
STUDENT_INPUT_SIZE = N_REGIONS


def student_layer_names(layers) -> list[str]:
    """Names of a custom student's layers (``name`` or ``layer<index>``)."""
    return [layer.name or f"layer{i}" for i, layer in enumerate(layers)]


def student_weight_layers(architecture: str, layers=()) -> dict[str, str]:
    """The layers with weights of a student: name -> "conv" or "dense"."""
    if architecture != "custom":
        return STUDENTS[architecture]
    kinds = {"QConv2D": "conv", "QDense": "dense"}
    return {n: kinds[layer.type] for n, layer in zip(student_layer_names(layers), layers) if layer.type in kinds}


def build_teacher(architecture: str):
    """The CICADA teacher autoencoder (about 324k parameters), uncompiled."""
    from tensorflow.keras import layers
    from tensorflow.keras.models import Model

    inputs = layers.Input(shape=(N_PHI, N_ETA, 1), name="teacher_inputs")
    x = layers.Conv2D(20, (3, 3), padding="same", name="teacher_conv2d_1")(inputs)
    x = layers.Activation("relu", name="teacher_relu_1")(x)
    x = layers.AveragePooling2D((2, 2), name="teacher_pool_1")(x)
    x = layers.Conv2D(30, (3, 3), padding="same", name="teacher_conv2d_2")(x)
    x = layers.Activation("relu", name="teacher_relu_2")(x)
    x = layers.Flatten(name="teacher_flatten")(x)
    x = layers.Dense(80, activation="relu", name="teacher_latent")(x)
    x = layers.Dense(9 * 7 * 30, name="teacher_dense")(x)
    x = layers.Reshape((9, 7, 30), name="teacher_reshape2")(x)
    x = layers.Activation("relu", name="teacher_relu_3")(x)
    x = layers.Conv2D(30, (3, 3), padding="same", name="teacher_conv2d_3")(x)
    x = layers.Activation("relu", name="teacher_relu_4")(x)
    if architecture == "cicada":
        x = layers.UpSampling2D((2, 2), name="teacher_upsampling")(x)
    elif architecture == "cicada_revised":
        x = layers.Conv2DTranspose(30, (3, 3), strides=2, padding="same", name="teacher_conv_transpose")(x)
    else:
        raise ValueError(f"unknown teacher architecture {architecture!r}; expected one of {TEACHERS}")
    x = layers.Conv2D(20, (3, 3), padding="same", name="teacher_conv2d_4")(x)
    x = layers.Activation("relu", name="teacher_relu_5")(x)
    outputs = layers.Conv2D(1, (3, 3), activation="relu", padding="same", name="teacher_outputs")(x)
    return Model(inputs, outputs, name=f"teacher_{architecture}")


def build_custom_student(layer_list, name: str = "custom-student"):
    """A student from a list of layer descriptions (see ``StudentLayer`` in cicada.config).

    Raises ValueError naming the layer when Keras/QKeras cannot build it.
    """
    from qkeras import QActivation, QConv2D, QDense
    from tensorflow.keras import layers
    from tensorflow.keras.models import Model

    x = inputs = layers.Input(shape=(STUDENT_INPUT_SIZE,), name="inputs_")
    for index, (layer_name, spec) in enumerate(zip(student_layer_names(layer_list), layer_list)):
        s = spec.settings
        try:
            if spec.type == "QConv2D":
                layer = QConv2D(
                    s.filters,
                    tuple(s.kernel_size),
                    strides=tuple(s.strides),
                    padding=s.padding,
                    use_bias=s.use_bias,
                    kernel_quantizer=s.kernel_quantizer,
                    bias_quantizer=s.bias_quantizer,
                    name=layer_name,
                )
            elif spec.type == "QDense":
                layer = QDense(
                    s.units,
                    use_bias=s.use_bias,
                    kernel_quantizer=s.kernel_quantizer,
                    bias_quantizer=s.bias_quantizer,
                    name=layer_name,
                )
            elif spec.type == "QActivation":
                layer = QActivation(s.activation, name=layer_name)
            elif spec.type == "Flatten":
                layer = layers.Flatten(name=layer_name)
            elif spec.type == "Reshape":
                layer = layers.Reshape(tuple(s.target_shape), name=layer_name)
            elif spec.type == "AveragePooling2D":
                layer = layers.AveragePooling2D(tuple(s.pool_size), name=layer_name)
            elif spec.type == "Dropout":
                layer = layers.Dropout(s.rate, name=layer_name)
            else:
                raise ValueError(f"unknown layer type {spec.type!r}")
            x = layer(x)
        except Exception as err:  # Keras raises ValueError/TypeError with its own wording
            raise ValueError(f"student.layers[{index}] ({spec.type} '{layer_name}'): {err}") from None
    if tuple(x.shape[1:]) != (1,):
        raise ValueError(f"student.layers: the network outputs shape {tuple(x.shape[1:])}, expected (1,): one score")
    return Model(inputs, x, name=name)


def build_student(architecture: str, layer_list=()):
    """A CICADA student in QKeras, uncompiled: input 252 raw integers, output ufixed<16,8>."""
    from qkeras import QActivation, QConv2D, QDense, quantized_bits
    from tensorflow.keras import layers
    from tensorflow.keras.models import Model

    if architecture == "custom":
        return build_custom_student(layer_list)
    if architecture not in STUDENTS:
        raise ValueError(f"unknown student architecture {architecture!r}; expected one of {tuple(STUDENTS)}")
    inputs = layers.Input(shape=(STUDENT_INPUT_SIZE,), name="inputs_")
    x = inputs
    if architecture == "cicada_v2":
        x = layers.Reshape((N_PHI, N_ETA, 1), name="reshape")(x)
        x = QConv2D(
            4,
            (2, 2),
            strides=2,
            padding="valid",
            use_bias=False,
            kernel_quantizer=quantized_bits(12, 3, 1, alpha=1.0),
            name="conv",
        )(x)
        x = QActivation("quantized_relu(10, 6)", name="relu0")(x)
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dropout(1 / 9, name="dropout0")(x)
    x = QDense(
        16,
        kernel_quantizer=quantized_bits(8, 1, 1, alpha=1.0),
        bias_quantizer=quantized_bits(8, 3, 1, alpha=1.0),
        name="dense1",
    )(x)
    x = QActivation("quantized_relu(10, 6)", name="relu1")(x)
    x = layers.Dropout(1 / 8, name="dropout1")(x)
    x = QDense(1, kernel_quantizer=quantized_bits(12, 3, 1, alpha=1.0), use_bias=False, name="dense2")(x)
    outputs = QActivation("quantized_relu(16, 8)", name="outputs")(x)
    return Model(inputs, outputs, name=architecture.replace("_", "-"))
