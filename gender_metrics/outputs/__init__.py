"""What readers get: offline HTML reports and their index (:mod:`.html`), the annex workbook
(:mod:`.packet`); each an :class:`~.base.Output`. Built from the display tables of
:mod:`gender_metrics.present`."""
