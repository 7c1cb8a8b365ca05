"""The jobs of ``benchmarks/run.py``, one module each; ``run.py`` is the entry point
(and the command every worker and server process is started with)."""
