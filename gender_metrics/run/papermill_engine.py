"""papermill's nbclient engine on a worker's running kernel and its client (``km=``, ``kc=``), registered
as the papermill engine ``gender_metrics`` and called through ``papermill.execute_notebook``."""

from __future__ import annotations

from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

ENGINE = "gender_metrics"


class WarmEngine(NBClientEngine):
    """Runs a notebook on the kernel it is given; the kernel's client is reused between reports (a new
    client costs ~0.2 s to start) and stays open for the next one."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, km=None, kc=None, **kwargs):
        from papermill.clientwrap import PapermillNotebookClient

        client = PapermillNotebookClient(nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                                         kernel_name=kernel_name, log=logger, log_output=log_output,
                                         stdout_file=stdout_file, stderr_file=stderr_file)
        client.kc = kc   # reused: the client's channels stay open for the next report
        return client.execute()


papermill_engines.register(ENGINE, WarmEngine)
