"""Services: the layer that joins the venues (:mod:`liqmap.exchanges`) and the embedded store
(:mod:`liqmap.store`).

* :mod:`.sync` fills the store from the venues' REST APIs with what it lacks;
* :mod:`.stored_market` builds :class:`~liqmap.domain.market_data.MarketData` for a window from
  the store, syncing first (``market_from_store``);
* :mod:`.market` is the one market query (store, demo or files -> ``MarketData`` per venue);
* :mod:`.tiers` fetches live margin tiers and caches them in the store.

Nothing below this layer imports it; ``liqmap.api``, the CLI and the web call it.
"""
