"""``kanban-widget api``: a board served over HTTP and WebSocket, the way Hermes' dashboard
serves it, with a token on every route.

The server is just another SQLite client of the board file: every write goes through the
:class:`~kanban_widget.store.Store`'s public verbs, and live updates come from the same
:class:`~kanban_widget.feed.BoardFeed` a notebook's boards follow (one per board file, however
many sockets are open). Modules, one job each:

* :mod:`.errors`: the JSON error every failure becomes, and the store error → HTTP status map;
* :mod:`.inputs`: reading request bodies (size limit) and query parameters, strictly;
* :mod:`.shapes`: the JSON shapes of Hermes' dashboard (cards, task detail, stats);
* :mod:`.boards`: which board a request names (``?board=``) and its shared feed;
* :mod:`.routes`: the HTTP routes; :mod:`.sockets`: the two WebSockets;
* :mod:`.auth`: the bearer token guarding all of them;
* :mod:`.openapi`: the OpenAPI document (served at ``/openapi.json``, fuzzed by the tests);
* :mod:`.app`: the Starlette application; :mod:`.run`: the ``kanban-widget api`` entry.

Needs the ``server`` extra: ``pip install "kanban-widget[server]"``.
"""

from .app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
