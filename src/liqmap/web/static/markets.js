/* liqmap dashboard: the Markets panel. The symbols of every source (GET /api/v1/symbols), one
   column per source and exchange; a click selects the market. "Scan" ranks the selected
   source's symbols by their nearest large clusters (GET /api/v1/scan, liqmap.scan/1). */
"use strict";

(() => {
  const { el, fmtUsd, fmtPrice, fmtPct } = window.liqmapFormat;
  const app = window.liqmapApp;
  const $ = (id) => document.getElementById(id);
  const SCALE = { open_interest: "OI", daily_volume: "daily vol.", none: "" };

  function renderLists(view) {
    const box = $("markets-lists");
    box.replaceChildren(...view.meta.sources.map((s) => el("div", {
      class: "market-col", "data-source": s.name,
    },
      el("div", { class: "market-head" }, el("b", {}, s.name), el("span", { class: "hint" }, ` ${s.exchange} · ${s.kind}`)),
      el("ul", {}, ...s.symbols.map((sym) => el("li", {}, el("button", {
        type: "button", class: "market-sym", "data-source": s.name, "data-symbol": sym,
        "aria-pressed": String(s.name === view.source && sym === view.symbol),
      }, sym)))),
    )));
    $("markets-scan-src").textContent = view.source;
  }

  /** The closer of a row's nearest large long and short clusters, with its side. */
  function nearest(row) {
    const c = [["long", row.nearest_long], ["short", row.nearest_short]].filter((x) => x[1]);
    c.sort((a, b) => Math.abs(a[1].distance_pct) - Math.abs(b[1].distance_pct));
    return c[0] || null;
  }

  function scanRow(r, i) {
    if (!r.ok) {
      return el("tr", { class: "scan-err", "data-symbol": r.symbol },
        el("td", {}, String(i + 1)), el("td", {}, r.symbol),
        el("td", { class: "wrap err", colspan: "5" }, r.error || "failed"));
    }
    const n = nearest(r);
    const share = n && n[1].share_of_scale !== null
      ? `${(n[1].share_of_scale * 100).toFixed(1)}% ${SCALE[r.scale_kind] || ""}` : "–";
    return el("tr", { "data-symbol": r.symbol },
      el("td", {}, String(i + 1)), el("td", {}, r.symbol),
      el("td", {}, n ? el("span", { class: `side-tag ${n[0]}` }, n[0]) : "none"),
      el("td", { class: "num" }, n ? fmtPrice(n[1].price) : "–"),
      el("td", { class: `num ${n ? n[0] : ""}` }, n ? fmtPct(n[1].distance_pct) : "–"),
      el("td", { class: "num" }, n ? fmtUsd(n[1].usd) : "–"),
      el("td", { class: "num" }, share));
  }

  async function scan() {
    const sel = app.selection();
    const status = $("markets-status");
    const btn = $("markets-scan");
    const body = $("markets-table").tBodies[0];
    btn.disabled = true;
    status.classList.remove("err");
    status.textContent = `scanning ${sel.source}…`;
    $("markets-panel").classList.add("busy");
    try {
      const res = await app.getJson("/scan", { source: sel.source, window: sel.window });
      body.replaceChildren(...res.rows.map(scanRow));
      if (!res.rows.length) body.replaceChildren(el("tr", { class: "empty" }, el("td", { colspan: "7" }, "No symbols.")));
      status.textContent = `${sel.source} · ${res.window} · ${res.symbols} symbols${res.failed ? ` · ${res.failed} failed` : ""} · large = ≥ ${(res.min_share * 100).toFixed(1)}% of OI or volume`;
      $("markets-table").hidden = false;
      const p = $("markets-panel");
      p.dataset.scans = String(Number(p.dataset.scans || "0") + 1);
    } catch (err) {
      status.classList.add("err");
      status.textContent = err.message || String(err);
    } finally {
      btn.disabled = false;
      $("markets-panel").classList.remove("busy");
    }
  }

  function bind() {
    $("markets-lists").addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-symbol]");
      if (b) app.select(b.dataset.source, b.dataset.symbol);
    });
    $("markets-table").addEventListener("click", (ev) => {
      const tr = ev.target.closest("tr[data-symbol]");
      if (tr) app.select(app.selection().source, tr.dataset.symbol);
    });
    $("markets-scan").addEventListener("click", scan);
  }

  document.addEventListener("DOMContentLoaded", bind);
  app.onView(renderLists);
})();
