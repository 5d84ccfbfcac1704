"""The benchmark suite: ``python -m bench`` prints every figure against its target.

Each module measures one part (conversion, requests per bridged read, bridge overhead, shadow
latency, paging memory, throughput, ``compare``) and returns :class:`bench._common.Figure`
rows; :mod:`bench.__main__` runs them in one process and prints one table.
"""
