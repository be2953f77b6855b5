"""Store backends behind one small protocol (:class:`htkg.store.base.Store`).

- :mod:`htkg.store.oxigraph` — embedded pyoxigraph (default; in memory, or on disk read-only)
- :mod:`htkg.store.remote` — a remote SPARQL 1.1 endpoint through SPARQLWrapper

Never imports Flask.
"""

from .base import QueryResult, Store

__all__ = ["QueryResult", "Store"]
