"""The pure core: DataFrames and a :class:`~gender_metrics.reference.Reference` in, DataFrames (or
sentences) out. No module here reads a file or a global; none imports the I/O modules above it."""
