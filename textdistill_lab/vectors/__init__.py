"""Word vectors: the container (:mod:`.container`), where they come from (:mod:`.sources`) and the
file formats (:mod:`.parse`). Imports point one way: sources -> parse, container."""

from .container import WordVectors, vectors_coverage
from .sources import VectorsInfo, list_vectors, load_vectors

__all__ = ["VectorsInfo", "WordVectors", "list_vectors", "load_vectors", "vectors_coverage"]
