"""The index rule of a layer, resolved once: per-axis settings, grids, channels, transposed."""
