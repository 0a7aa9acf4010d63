"""Reading the package's YAML data files (reviews, catalogues, unit trees, texts): libyaml's C
loader when PyYAML was built with it (about 10× faster than the pure-Python one), else the same
safe loader in Python. Every kernel of a batch reads these files, so it matters."""

from __future__ import annotations

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError


def load(text: str):
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
