"""Building blocks every other part of cicada uses: errors, files, progress, seeds, registries."""
