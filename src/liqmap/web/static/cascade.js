/* liqmap dashboard: the Cascade panel (/api/v1/cascade + /api/v1/figures/cascade). */
"use strict";

(() => {
  const { fmtUsd, fmtPrice, fmtPct, el } = window.liqmapFormat;
  const P = window.liqmapPanels;
  const $ = (id) => document.getElementById(id);
  const MAX_SHOCK = 50;
  const MAX_ORDER = 1e11;

  let panel = null;
  const depth = P.depthControls("cascade", () => panel.soon());
  const mode = P.segmented("cascade-mode", (m) => {
    $("cascade-shock-field").hidden = m !== "shock";
    $("cascade-order-field").hidden = m !== "order";
    panel.run();
  });

  const model = () => $("cascade-model").value;
  function showModel() {
    for (const n of document.querySelectorAll("#cascade-panel .book-only")) n.hidden = model() !== "book";
    for (const n of document.querySelectorAll("#cascade-panel .power")) if (model() !== "book") n.hidden = true;
  }

  function params() {
    const out = { model: model() };
    if (model() === "book") out.depth_model = depth.value();
    if (mode() === "shock") {
      const s = Number($("cascade-shock").value);
      if ($("cascade-shock").value.trim() === "" || !(Math.abs(s) <= MAX_SHOCK)) {
        throw new P.InputProblem(`shock: write a move in percent from -${MAX_SHOCK} to ${MAX_SHOCK}, e.g. -3`);
      }
      out.shock = s;
    } else {
      const o = P.parseUsd($("cascade-order").value);
      if (!(Math.abs(o) <= MAX_ORDER)) throw new P.InputProblem("order: write USD like -250M (sell) or 100M (buy)");
      out.order_usd = o;
    }
    return out;
  }

  function render(r) {
    const side = r.direction === "down" ? "long" : "short";
    P.kpi("cascade-total", fmtUsd(r.total_liquidated_usd),
      `longs ${fmtUsd(r.total_long_usd)} · shorts ${fmtUsd(r.total_short_usd)}`, side);
    const trigger = r.order_usd === null ? `shock ${fmtPct(r.shock_pct)}`
      : `${r.order_usd < 0 ? "sell" : "buy"} ${fmtUsd(Math.abs(r.order_usd))} → ${fmtPct(r.shock_pct)}`;
    P.kpi("cascade-shock-price", fmtPrice(r.shock_price), `${trigger} from ${fmtPrice(r.start_price)}`);
    P.kpi("cascade-pin", fmtPrice(r.pin_price), `${fmtPct(r.pin_move_pct)} · the wick's extent`, side);
    P.kpi("cascade-final", fmtPrice(r.final_price),
      `${fmtPct(r.final_move_pct)} · keeps ${(r.permanent_fraction * 100).toFixed(0)}% of the wick`);
    const amp = (x) => (x === null ? "n/a" : `${x.toFixed(2)}×`);
    P.kpi("cascade-amp", amp(r.amplification), `final ÷ shock move · pin ${amp(r.pin_amplification)}`);
    P.kpi("cascade-rounds", String(r.n_steps), r.stop_reason.replaceAll("_", " "));
    $("cascade-stop").replaceChildren(el("b", {}, "Stopped: "), r.stop_text);
    const tiers = Object.entries(r.liquidated_by_tier).filter(([, u]) => u > 0);
    $("cascade-tiers").replaceChildren(
      el("span", { class: "muted" }, "Liquidated by tier: "),
      ...(tiers.length ? tiers.map(([t, u]) => el("span", { class: "pill" }, `${t} ${fmtUsd(u)}`))
        : [el("span", { class: "muted" }, "none")]),
    );
    P.fillRows($("cascade-steps").tBodies[0], r.steps.map((s) => [
      s.step === 0 ? ["shock", "step"] : [String(s.step), "step"],
      [fmtPrice(s.price), "num"],
      [fmtPct(s.move_pct), `num ${side}`],
      [fmtUsd(s.long_usd), "num"],
      [fmtUsd(s.short_usd), "num"],
      [fmtUsd(s.flow_usd), "num muted"],
    ]), "No rounds.", 6);
    const notes = [...r.notes, ...(r.steps_merged ? ["rounds merged to 500 rows"] : [])];
    const tail = notes.length ? ` · ${notes.join(" · ")}` : "";
    if (r.impact) {
      const i = r.impact;
      $("cascade-depth-src").textContent = `Impact law: move = ${i.fit.y.toFixed(2)} × σ ${(i.sigma_daily * 100).toFixed(2)}%/day`
        + ` × √(USD ÷ ${fmtUsd(i.volume_usd_daily)}/day) · ${fmtUsd(i.usd_for_1pct)} of forced flow moves price 1% · ${i.source}${tail}`;
    } else {
      const d = r.direction === "down" ? r.depth.bid : r.depth.ask;
      const book = r.direction === "down" ? "bids" : "asks";
      $("cascade-depth-src").textContent = `Book: ${r.depth.source} · ${fmtUsd(d.usd_1pct)} of ${book} within 1%, `
        + `exponent ${d.exponent.toFixed(2)}${tail}`;
    }
    $("cascade-source").replaceChildren(el("b", {}, "Data: "), r.data_source,
      ...(r.simulated ? [" ", el("span", { class: "warn" }, "SIMULATED market")] : []));
    const o = r.outcomes;
    $("cascade-outcomes").replaceChildren(...(o ? [
      el("b", {}, `Over ${o.n_draws} draws: `),
      `liquidated ${fmtUsd(o.liquidated_usd.p10)} – ${fmtUsd(o.liquidated_usd.p90)} (median ${fmtUsd(o.liquidated_usd.p50)}) · `
      + `with fresh positions within ${o.horizon_ms / 3600000}h ${fmtUsd(o.total_usd.p10)} – ${fmtUsd(o.total_usd.p90)} · `
      + `wick ${fmtPct(o.pin_move_pct.p10)} to ${fmtPct(o.pin_move_pct.p90)} · `
      + Object.entries(o.p_pin_extends).map(([k, p]) => `P(≥${k}) ${(p * 100).toFixed(0)}%`).join(" · "),
    ] : [el("span", { class: "muted" }, "No outcome distribution for the instant book.")]));
  }

  /** Open on the stretch the cascade covers (double-click shows the whole map). */
  function adjust(layout, r) {
    const lo = Math.min(r.start_price, r.pin_price);
    const hi = Math.max(r.start_price, r.pin_price);
    const pad = Math.max((hi - lo) * 0.6, r.start_price * 0.03);
    layout.xaxis = { ...layout.xaxis, range: [lo - pad, hi + pad], autorange: false };
  }

  panel = P.register({
    name: "cascade", path: "/cascade", params, render, adjust,
    onView: (v) => { depth.fill(v); showModel(); }, after: P.declutter,
  });
  $("cascade-model").addEventListener("change", () => { showModel(); panel.run(); });
  $("cascade-shock").addEventListener("input", () => panel.soon());
  $("cascade-order").addEventListener("input", () => panel.soon());
  $("cascade-form").addEventListener("submit", (ev) => { ev.preventDefault(); panel.run(); });
})();
