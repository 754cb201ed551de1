"""Bridge-test analysis: protocol, segmentation, normalisation, metrics."""
