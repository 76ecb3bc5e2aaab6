"""The networks: teacher autoencoders, QKeras students and their layer types, training, the score."""
