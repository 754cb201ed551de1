"""Figures and reports drawn from analysis results (no file or port access here)."""
