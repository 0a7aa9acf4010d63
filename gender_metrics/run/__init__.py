"""Running the review: the batch of reports (:mod:`.batch`) on an engine (:mod:`.engines`), each in a
warm kernel (:mod:`.kernel`), and the ``gender-metrics`` command (:mod:`.cli`)."""

import sys

# jsonschema (imported by nbformat, so by papermill and nbconvert) imports the optional IRI format
# checker rfc3987-syntax when it is installed (JupyterLab's jupyter-events brings it); that module
# compiles a grammar at import: 3.3 s in every process on this machine. nbformat's schema checks no
# IRI, so the runner's processes go without it (an import of it raises ImportError, which jsonschema
# expects for an optional checker).
sys.modules.setdefault("rfc3987_syntax", None)
