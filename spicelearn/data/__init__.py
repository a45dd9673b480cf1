"""Datasets and their encoding as input voltages."""

from .datasets import (
    DATASETS,
    Dataset,
    check_compatible,
    encode_targets,
    load_dataset,
    scale_features,
    stratified_split,
)
from .schema import DataConfig, DatasetInfo, resolve_data

__all__ = [
    "DATASETS", "DataConfig", "DatasetInfo", "Dataset", "check_compatible", "encode_targets",
    "load_dataset", "resolve_data", "scale_features", "stratified_split",
]
