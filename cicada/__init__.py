"""cicada: compile Level-1 trigger anomaly-detection models from calorimeter data to verified HLS firmware."""

import os

__version__ = "0.1.0"

# QKeras layers are Keras 2 layers. From TensorFlow 2.16 on, `tf.keras` is Keras 3 unless this
# is set before TensorFlow is first imported, and then it is tf_keras (Keras 2). Every cicada
# module is imported after this line, so setting it here is early enough for anything cicada
# imports; cicada.core.tf checks it took effect (TensorFlow imported before cicada misses it).
os.environ["TF_USE_LEGACY_KERAS"] = "1"
