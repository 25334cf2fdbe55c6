/* liqmap dashboard: the Plan panel (/api/v1/plan + /api/v1/figures/plan). Decision support,
   not advice: every level is shown with the cluster numbers it came from. */
"use strict";

(() => {
  const { fmtUsd, fmtPrice, fmtPct, priceDecimals, el } = window.liqmapFormat;
  const P = window.liqmapPanels;
  const $ = (id) => document.getElementById(id);
  const BASIS = {
    cluster: "beyond the nearest adverse cluster's far edge",
    cascade_pin: "beyond the simulated wick (cascade pin) through the nearest adverse cluster",
    range: "no adverse cluster: from the recent range only",
  };

  let panel = null;
  let entryEdited = false;
  let symbol = null;
  let price = null;
  const depth = P.depthControls("plan", () => panel.soon());
  const side = P.segmented("plan-side", () => panel.run());

  function params() {
    const out = { side: side(), depth_model: depth.value() };
    if (entryEdited) {
      const e = Number($("plan-entry").value);
      if (!(e >= 1e-8 && e <= 1e9)) throw new P.InputProblem("entry: write a positive price");
      out.entry = e;
    }
    const text = $("plan-size").value.trim();
    if (text) {
      const s = P.parseUsd(text);
      if (!(s >= 1 && s <= 1e12)) throw new P.InputProblem("size: write a USD amount like 5M (1 to 1T)");
      out.size_usd = s;
    }
    return out;
  }

  function onView(view) {
    depth.fill(view);
    if (view.symbol !== symbol) { symbol = view.symbol; entryEdited = false; }
    price = view.map.price;
    if (!entryEdited) showEntry();
  }

  function showEntry() { if (price !== null) $("plan-entry").value = price.toFixed(priceDecimals(price)); }

  /** "25x 66%, 50x 29%": the cluster's largest tiers. */
  function tiersText(c) {
    const total = Object.values(c.tiers).reduce((a, b) => a + b, 0) || 1;
    return Object.entries(c.tiers).filter(([, u]) => u > 0).sort((a, b) => b[1] - a[1]).slice(0, 2)
      .map(([t, u]) => `${t} ${((100 * u) / total).toFixed(0)}%`).join(", ");
  }

  /** "long cluster 49,326 – 51,069 · $3.9M at -2.77% · 25x 66%, 50x 29%" */
  function clusterText(c) {
    const top = tiersText(c);
    return `${c.side} cluster ${fmtPrice(c.price_low)} – ${fmtPrice(c.price_high)} · ${fmtUsd(c.usd)} at ${fmtPct(c.distance_pct)}${top ? ` · ${top}` : ""}`;
  }

  function renderStop(p) {
    const s = p.stop;
    P.kpi("plan-stop", fmtPrice(s.price), `${fmtPct(s.distance_pct)} from entry`, "long");
    P.kpi("plan-buffer", `${s.buffer_pct.toFixed(2)}%`, `${(s.buffer_pct / p.atr_pct).toFixed(2)} × ATR ${p.atr_pct.toFixed(2)}%`);
    const tp = p.take_profits[0];
    P.kpi("plan-tp1", tp ? fmtPrice(tp.price) : "none", tp ? `${fmtPct(tp.distance_pct)} · ${tp.reward_risk === null ? "n/a" : tp.reward_risk.toFixed(2)}R` : "no opposite cluster", "short");
    const lines = [el("div", {}, el("b", {}, "Stop basis: "), BASIS[s.basis])];
    if (s.cluster) lines.push(el("div", { class: "muted" }, `from ${clusterText(s.cluster)}`));
    if (s.wick_pin !== null) lines.push(el("div", { class: "muted" }, `cascade pin into it: ${fmtPrice(s.wick_pin)}`));
    for (const c of s.moved_past) lines.push(el("div", { class: "muted" }, `moved beyond ${clusterText(c)}`));
    if (!s.within_risk) lines.push(el("div", { class: "warn" }, `no stop within the allowed ${s.allowed_risk_pct.toFixed(2)}% risk exists outside the clusters`));
    $("plan-stop-why").replaceChildren(...lines);
  }

  function renderExecution(p) {
    const box = $("plan-exec");
    const ex = p.execution;
    if (!ex) { box.replaceChildren(el("span", { class: "muted" }, "Give a size to estimate slippage.")); return; }
    const verb = p.side === "long" ? "buy" : "sell";
    const bps = (x) => (x === null ? "n/a" : `${x.toFixed(1)} bps`);
    const rows = [
      ["Market " + verb + " " + fmtUsd(ex.size_usd) + " on the book alone", bps(ex.market_slippage_bps),
        ex.market_end_price === null ? "" : `last fill ${fmtPrice(ex.market_end_price)}`],
      ["With forced-flow liquidity (blended)", bps(ex.blended_slippage_bps),
        `${fmtUsd(ex.passive_usd)} passive · ${fmtUsd(ex.remainder_usd)} at market (${bps(ex.remainder_slippage_bps)})`],
    ];
    box.replaceChildren(
      el("table", { class: "data compact" }, el("tbody", {}, ...rows.map(([a, b, c]) => el("tr", {},
        el("td", { class: "wrap" }, a), el("td", { class: "num strong" }, b), el("td", { class: "muted wrap" }, c))))),
      ...ex.forced_levels.map((f) => el("div", { class: "muted" },
        `rest ${fmtUsd(f.usd)} in ${clusterText(f.cluster)} (${(ex.capture_share * 100).toFixed(0)}% of its forced orders)`)),
      el("div", { class: "muted small" }, "Passive fills happen only if price reaches those levels."),
    );
  }

  function render(p) {
    renderStop(p);
    P.fillRows($("plan-targets").tBodies[0], p.take_profits.map((t, i) => [
      `TP${i + 1}`, [fmtPrice(t.price), "num short"], [fmtPct(t.distance_pct), "num"],
      [t.reward_risk === null ? "n/a" : `${t.reward_risk.toFixed(2)}R`, "num"],
      [fmtUsd(t.cluster.usd), "num"], [`${fmtPrice(t.cluster.price)} · ${tiersText(t.cluster)}`, "muted wrap"],
    ]), "No opposite cluster to exit into.", 6);
    const edge = (c) => [`${c.side} ${fmtUsd(c.usd)} at ${fmtPrice(c.price)} (${tiersText(c)})`, `muted ${c.side}-edge`];
    P.fillRows($("plan-zones").tBodies[0], p.breakout_zones.map((z) => [
      `${fmtPrice(z.price_low)} – ${fmtPrice(z.price_high)}`, z.where, [`${z.width_pct.toFixed(2)}%`, "num"],
      [fmtUsd(z.usd), "num"], [z.density_ratio === null ? "n/a" : `${(z.density_ratio * 100).toFixed(0)}%`, "num"],
      edge(z.lower), edge(z.upper),
    ]), "No thin zone between clusters.", 7);
    renderExecution(p);
    $("plan-source").replaceChildren(el("b", {}, "Data: "), p.data_source,
      ...(p.simulated ? [" ", el("span", { class: "warn" }, "SIMULATED market")] : []));
    $("plan-warnings").replaceChildren(...p.warnings.map((w) => el("li", {}, w)));
    $("plan-warnings").hidden = !p.warnings.length;
    $("plan-disclaimer-text").textContent = p.disclaimer;
    $("plan-entry-sub").textContent = `${p.side} · ${p.entry === p.price ? "at the current price" : `${fmtPct((p.entry / p.price - 1) * 100)} from ${fmtPrice(p.price)}`}`;
  }

  panel = P.register({ name: "plan", path: "/plan", params, render, onView, after: P.declutter });
  $("plan-entry").addEventListener("input", () => { entryEdited = true; panel.soon(); });
  $("plan-size").addEventListener("input", () => panel.soon());
  $("plan-entry-reset").addEventListener("click", () => { entryEdited = false; showEntry(); panel.run(); });
  $("plan-form").addEventListener("submit", (ev) => { ev.preventDefault(); panel.run(); });
})();
