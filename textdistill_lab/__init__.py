"""TextDistill Lab: data distillation for text classification, runnable and teachable."""

__version__ = "0.1.0"
