"""Synthetic sEMG subjects with known ground truth, and device emulators."""
