"""The shared base of every file the package writes for readers (reports, the index, the annex
workbook; the Word draft next): each output builds itself into a temporary file beside its target,
which is then renamed into place, so a reader never opens half a file."""

from __future__ import annotations

from pathlib import Path

from ..store import atomic_path


class Output:
    """Subclasses set ``suffix`` and implement :meth:`render` (write the whole file to ``tmp``)."""

    suffix = ""

    def render(self, tmp: Path) -> None:
        raise NotImplementedError

    def write(self, path: Path | str) -> Path:
        path = Path(path)
        if self.suffix and path.suffix.lower() != self.suffix:
            raise ValueError(f"{path.name}: expected a {self.suffix} file")
        with atomic_path(path) as tmp:
            self.render(tmp)
        return path
