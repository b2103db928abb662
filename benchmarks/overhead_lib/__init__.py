"""Parts of ``benchmarks/overhead.py``: request bodies, HTTP client, processes, statistics, report."""
