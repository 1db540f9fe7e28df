"""Packages whose public names are imported on first use, so importing a package costs nothing.

``textdistill --help`` imports ``textdistill_lab``; torch, pandas and plotly load only when a name
that needs them is first read.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping, Sequence


class _LazyPackage(types.ModuleType):
    _exports: Mapping[str, str]

    def __getattr__(self, name: str) -> object:  # called only for names not set yet
        module = self._exports.get(name)
        if module is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, self.__name__), name)
        self.__dict__[name] = value
        return value

    def __setattr__(self, name: str, value: object) -> None:
        # Importing a submodule binds it on its package. Where a public function shares its module's
        # name (evaluate, decode, project), the function keeps the name, so `textdistill_lab.evaluate`
        # is always the function, whichever module was imported first.
        if isinstance(value, types.ModuleType) and name in self._exports:
            return
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._exports))


def make_lazy(package: str, exports: Mapping[str, Sequence[str]]) -> list[str]:
    """Serve ``package``'s public names lazily; ``exports`` maps a relative module to the names it defines.

    Returns the names, for the package's ``__all__``.
    """
    module = sys.modules[package]
    module.__dict__["_exports"] = {name: source for source, names in exports.items() for name in names}
    module.__class__ = _LazyPackage
    return sorted(module._exports)
