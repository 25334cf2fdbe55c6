"""A documented skeleton venue: copy this folder to add a venue (``docs/architecture.md``).

Adding a venue is this folder plus one line in :mod:`liqmap.exchanges.registry`:

1. ``cp -r _template <venue>``; rename ``template`` / ``Template`` throughout.
2. ``venue.py``: define the :class:`~liqmap.domain.venue.Venue` (margin formula, contract kind,
   quote currency, default URLs); ``spec.py`` the :class:`~liqmap.exchanges.spec.VenueSpec`.
3. ``client.py``: the REST client (one ``Endpoint`` per kind served, each with its doc link);
   ``stream.py`` the liquidation-stream adapter and ``replay.py`` its server side (or drop
   both and give ``no_stream_reason``); a tiers fetcher (or ``no_tiers_reason``).
4. Export the spec(s) as ``SPECS`` below, and add the package's name to ``VENUES`` in
   :mod:`liqmap.exchanges.registry` (the one line).

Nothing else changes: settings (``LIQMAP_<NAME>_REST_URL``), ``Venue.parse``, the margin
formulas, the recorder, ``liqmap sync`` and the CLI help all read the registry.
``tests/exchanges/test_template_venue.py`` registers this skeleton and checks each of them.
This package is never registered by liqmap itself.
"""

from liqmap.exchanges._template.spec import SPEC, VENUE

__all__ = ["SPEC", "SPECS", "VENUE"]

SPECS = (SPEC,)
"""The venue specs this package registers (:data:`liqmap.exchanges.registry.VENUES`)."""
