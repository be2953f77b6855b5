"""Store backends behind one small protocol (:class:`htkg.store.base.Store`).

- :mod:`htkg.store.oxigraph` — embedded pyoxigraph (default; in memory, or on disk read-only)
- :mod:`htkg.store.remote` — a remote SPARQL 1.1 endpoint through SPARQLWrapper
- :mod:`htkg.store.executor` — the embedded store behind killable query processes (time limit,
  memory cap, crash recovery): what the server queries
- :mod:`htkg.store.policy` — the read-only policy of the public endpoint, decided on the parsed query
- :func:`open_store` (:mod:`htkg.store.factory`) — the one the settings ask for
- :mod:`htkg.store.publish` — load a release into a remote store (``htkg publish --to``)

Never imports Flask.
"""

from .base import QueryResult, Store
from .factory import open_store

__all__ = ["QueryResult", "Store", "open_store"]
