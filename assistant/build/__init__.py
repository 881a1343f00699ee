"""Building index versions: orchestration (builder), cross-fitted calibration, the adapter, fine-tuning."""

from .builder import BuildResult, IndexBuilder, tune_holdout
from .tune import TuneConfig

__all__ = ["BuildResult", "IndexBuilder", "TuneConfig", "tune_holdout"]
