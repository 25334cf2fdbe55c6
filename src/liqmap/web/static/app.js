/* liqmap dashboard: selectors -> /api/v1 JSON + plotly figures (drawn by liqmap.render on the
   server), live refresh over Server-Sent Events. Plain JS, no build step. */
"use strict";

(() => {
  const API = "/api/v1";
  const WINDOWS = ["12h", "24h", "3d", "7d", "30d"];
  const TIER_COLORS = ["#3d7bf7", "#22b8d8", "#9a6cf2", "#f3b23f", "#ea5fc9", "#b9d84b", "#f07f3a"];
  const PLOT_CONFIG = {
    displaylogo: false,
    scrollZoom: true,
    responsive: true,
    modeBarButtonsToRemove: ["lasso2d", "select2d"],
    toImageButtonOptions: { format: "png", scale: 2 },
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    meta: null, source: null, symbol: null, window: "24h",
    allTiers: [], shown: null, // null = every tier
    version: null, price: null, map: null,
    gen: 0, busy: false, again: false, ctrl: null,
    es: null, zoom: { map: null, heat: null }, entryEdited: false,
    renders: 0, updates: 0, alerts: 0, lastEvent: null,
  };
  window.liqmapDashboard = state; // read by the end-to-end tests
  const viewers = []; // panels that follow the selection (cascade, plan): called after each render

  const { fmtUsd, priceDecimals, fmtPrice, fmtPct, fmtTime, fmtAge, el, TZ, zoneName, toZoneDate } = window.liqmapFormat;

  // plotly.js loads asynchronously (the 1.5 MB cartesian bundle): data is fetched meanwhile
  const plotlyReady = new Promise((resolve, reject) => {
    if (window.Plotly) { resolve(window.Plotly); return; }
    const tag = $("plotly-js");
    tag.addEventListener("load", () => resolve(window.Plotly));
    tag.addEventListener("error", () => reject(new Error("plotly.js did not load")));
  });

  // --- API --------------------------------------------------------------------------------
  class ApiError extends Error {}

  async function getJson(path, params, signal) {
    const url = new URL(API + path, window.location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, v);
    }
    const resp = await fetch(url, { signal, headers: { Accept: "application/json" } });
    const body = await resp.json().catch(() => null);
    if (!resp.ok) throw new ApiError(body && body.message ? body.message : `HTTP ${resp.status}`);
    return body;
  }

  const selection = () => ({ source: state.source, symbol: state.symbol, window: state.window });
  function tiersParam() {
    if (!state.shown || state.shown.length === state.allTiers.length) return null;
    return state.shown.join(",");
  }

  // --- banner, live status, toasts -------------------------------------------------------
  function showBanner(text) { const b = $("banner"); b.textContent = text; b.hidden = false; }
  function hideBanner() { $("banner").hidden = true; }
  function setLive(on, text, look) {
    const live = $("live");
    const cls = look || (on ? "on" : "off");
    for (const c of ["on", "off", "stale", "idle"]) live.classList.toggle(c, c === cls);
    live.dataset.status = cls;
    $("live-text").textContent = text;
  }
  function pulse() {
    const dot = $("live-dot");
    dot.classList.remove("pulse");
    void dot.offsetWidth; // restart the animation
    dot.classList.add("pulse");
  }
  function toast(text) {
    const t = el("div", { class: "toast" }, text);
    $("toasts").append(t);
    setTimeout(() => t.remove(), 7000);
  }

  // --- selectors --------------------------------------------------------------------------
  function currentSource() { return state.meta.sources.find((s) => s.name === state.source); }

  function fillSelect(select, values, selected) {
    select.replaceChildren(...values.map((v) => el("option", { value: v }, v)));
    select.value = values.includes(selected) ? selected : values[0];
    return select.value;
  }

  function buildSelectors() {
    const src = fillSelect($("source"), state.meta.sources.map((s) => s.name), state.source);
    state.source = src;
    state.symbol = fillSelect($("symbol"), currentSource().symbols, state.symbol);
    const seg = $("window");
    seg.replaceChildren(...WINDOWS.map((w) => el("button", {
      type: "button", role: "radio", "data-window": w, "aria-checked": String(w === state.window),
    }, w)));
    fillSelect($("calc-exchange"), state.meta.exchanges, currentSource().exchange);
  }

  function buildTierChips(tiers) {
    const same = tiers.length === state.allTiers.length && tiers.every((t, i) => t === state.allTiers[i]);
    if (same && $("tiers").childElementCount) return;
    state.allTiers = tiers;
    if (state.shown) state.shown = state.shown.filter((t) => tiers.includes(t));
    if (state.shown && !state.shown.length) state.shown = null;
    $("tiers").replaceChildren(...tiers.map((t, i) => {
      const on = !state.shown || state.shown.includes(t);
      const chip = el("button", {
        type: "button", class: "chip", "data-tier": t, "aria-pressed": String(on),
        style: `--c:${TIER_COLORS[i % TIER_COLORS.length]}`,
      }, el("span", { class: "swatch" }), t);
      return chip;
    }));
  }

  function syncUrl() {
    const q = new URLSearchParams(selection());
    const t = tiersParam();
    if (t) q.set("tiers", t);
    window.history.replaceState(null, "", `?${q}`);
  }

  // --- rendering: numbers -----------------------------------------------------------------
  function nearest(clusters, side) {
    const c = clusters.filter((x) => x.side === side);
    c.sort((a, b) => Math.abs(a.distance_pct) - Math.abs(b.distance_pct));
    return c[0] || null;
  }

  // The tier filter's one rule (liqmap.web.service.TIER_RULE): with tiers hidden, the chart,
  // its cluster labels, the clusters table, the totals and the reading all cover the tiers shown.
  function renderNumbers(m) {
    state.map = m;
    state.price = m.price;
    state.version = m.window.end_ms;
    const view = tiersParam() && state.tierView ? state.tierView : null;
    const clusters = view ? view.clusters : m.clusters;
    const totals = view ? view.totals : m.totals;
    $("stat-price").textContent = fmtPrice(m.price);
    $("stat-longs").textContent = fmtUsd(totals.long_usd);
    $("stat-shorts").textContent = fmtUsd(totals.short_usd);
    for (const [side, id] of [["long", "stat-near-long"], ["short", "stat-near-short"]]) {
      const c = nearest(clusters, side);
      const node = $(id);
      node.replaceChildren();
      if (!c) { node.textContent = "none"; continue; }
      node.append(fmtPrice(c.price), el("span", { class: "sub" }, `${fmtPct(c.distance_pct)} · ${fmtUsd(c.usd)}`));
    }
    $("stat-asof").textContent = `${fmtTime(m.as_of_ms)} · ${m.window.label}`;
    const cov = m.coverage;
    $("stat-coverage").textContent = `${(cov.fraction * 100).toFixed(1)}% · OI ${cov.oi_source}`;
    $("reading").textContent = (view ? view.reading : m.reading) || "–";
    const notes = view ? [`showing ${view.tiers.join(", ")}: ${view.rule}`, ...m.notes] : m.notes;
    $("notes").textContent = notes.length ? `Notes: ${notes.join(" · ")}` : "";
    $("tiers").dataset.filtered = view ? "true" : "false";
    renderClusters(clusters);
    if (!state.entryEdited) $("calc-entry").value = m.price.toFixed(priceDecimals(m.price));
  }

  function renderClusters(clusters) {
    const body = $("clusters").tBodies[0];
    if (!clusters.length) {
      body.replaceChildren(el("tr", { class: "empty" }, el("td", { colspan: "6" }, "No clusters on this map.")));
      return;
    }
    body.replaceChildren(...clusters.map((c) => el("tr", { "data-side": c.side },
      el("td", {}, String(c.rank)),
      el("td", {}, el("span", { class: `side-tag ${c.side}` }, c.side)),
      el("td", { class: "num" }, fmtPrice(c.price)),
      el("td", { class: `num ${c.side}` }, fmtPct(c.distance_pct)),
      el("td", { class: "num" }, fmtUsd(c.usd)),
      el("td", { class: "num" }, `${(c.share_of_side * 100).toFixed(0)}%`),
    )));
  }

  // --- rendering: charts -------------------------------------------------------------------
  function fitLayout(layout, which) {
    delete layout.title;
    delete layout.width;
    delete layout.height;
    layout.autosize = true;
    layout.paper_bgcolor = "rgba(0,0,0,0)";
    layout.margin = Object.assign({}, layout.margin, { t: which === "map" ? 44 : 40, b: 44 });
    if (layout.legend) layout.legend.y = 1.02;
    layout.uirevision = `${state.source}|${state.symbol}|${state.window}|${which}`;
    const zoom = state.zoom[which];
    if (zoom) {
      for (const axis of ["xaxis", "yaxis"]) {
        if (zoom[axis]) layout[axis] = Object.assign({}, layout[axis], { range: zoom[axis], autorange: false });
      }
    }
    return layout;
  }

  // The server draws time axes in UTC; with ?tz= the heatmap's dates move to the display zone's
  // wall time (data stays UTC) and the axis title names the zone, as the page's text does.
  function toDisplayZone(fig) {
    const ax = fig.layout && fig.layout.xaxis;
    if (TZ === "UTC" || !ax || ax.type !== "date") return fig;
    const isDate = (v) => typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v);
    for (const trace of fig.data) {
      if (Array.isArray(trace.x) && trace.x.length && isDate(trace.x[0])) trace.x = trace.x.map(toZoneDate);
    }
    const ranged = Array.isArray(ax.range) && ax.range.every(isDate);
    const end = ranged ? Date.parse(`${ax.range[1]}Z`) : Date.now();
    if (ranged) ax.range = ax.range.map(toZoneDate);
    if (ax.title && typeof ax.title.text === "string") ax.title.text = ax.title.text.replace("(UTC)", `(${zoneName(end)})`);
    return fig;
  }

  function draw(id, fig, which) {
    const node = $(id);
    const first = !node.classList.contains("js-plotly-plot");
    return plotlyReady.then((Plotly) => Plotly.react(node, fig.data, fitLayout(fig.layout, which), PLOT_CONFIG)).then(() => {
      node.dataset.renders = String(Number(node.dataset.renders || "0") + 1);
      if (first) node.on("plotly_relayout", (ev) => rememberZoom(which, ev));
    });
  }

  function rememberZoom(which, ev) {
    if (ev["xaxis.autorange"] || ev.autosize) { state.zoom[which] = null; return; }
    const z = Object.assign({}, state.zoom[which] || {});
    let changed = false;
    for (const axis of ["xaxis", "yaxis"]) {
      if (ev[`${axis}.range[0]`] !== undefined) {
        z[axis] = [ev[`${axis}.range[0]`], ev[`${axis}.range[1]`]];
        changed = true;
      }
    }
    if (changed) state.zoom[which] = z;
  }

  // --- loading -----------------------------------------------------------------------------
  async function load(parts, dim) {
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    state.again = false;
    const gen = ++state.gen;
    const ctrl = new AbortController();
    state.ctrl = ctrl;
    const sel = selection();
    const charts = [];
    if (dim && parts.map) charts.push($("map-chart"));
    if (dim && parts.heat) charts.push($("heat-chart"));
    charts.forEach((c) => c.classList.add("loading")); // a user's change, not a live update
    try {
      const m = await getJson("/map", sel, ctrl.signal);
      buildTierChips(m.tiers);
      const jobs = [];
      if (parts.map) jobs.push(getJson("/figures/map", { ...sel, tiers: tiersParam() }, ctrl.signal));
      if (parts.heat) jobs.push(getJson("/figures/heatmap", { ...sel, bins: state.meta.page.heatmap_bins, columns: state.meta.page.heatmap_columns }, ctrl.signal));
      const figs = await Promise.all(jobs);
      if (gen !== state.gen) return;
      if (parts.map) {
        const meta = figs[0].layout && figs[0].layout.meta;
        state.tierView = meta && meta.tier_view ? meta.tier_view : null;
      }
      renderNumbers(m);
      const draws = [];
      if (parts.map) draws.push(draw("map-chart", figs.shift(), "map"));
      if (parts.heat) draws.push(draw("heat-chart", toDisplayZone(figs.shift()), "heat"));
      await Promise.all(draws);
      hideBanner();
      state.renders += 1;
      document.body.dataset.renders = String(state.renders);
      for (const fn of viewers) fn({ ...sel, map: m, meta: state.meta });
    } catch (err) {
      if (err.name !== "AbortError") showBanner(err.message || String(err));
    } finally {
      if (state.ctrl === ctrl) { // not superseded by a new selection
        charts.forEach((c) => c.classList.remove("loading"));
        state.ctrl = null;
        state.busy = false;
        if (state.again) load({ map: true, heat: true });
      }
    }
  }

  function reloadAll() {
    if (state.ctrl) state.ctrl.abort();
    state.ctrl = null;
    state.busy = false;
    for (const id of ["map-chart", "heat-chart"]) $(id).classList.remove("loading");
    state.gen += 1;
    state.zoom = { map: null, heat: null };
    syncUrl();
    load({ map: true, heat: true }, true);
  }

  // --- live updates ------------------------------------------------------------------------
  // Freshness (liqmap.web.live_events.freshness): stored data is "live" only while its newest record
  // is at most fresh_ms old by the server's clock; older data shows its age, never a green dot.
  const feed = { kind: null, status: null, version: null, skew: 0, freshMs: 600000, timer: null };

  function renderFeed() {
    const version = feed.version ?? (state.map ? state.map.as_of_ms : null);
    const to = version === null ? "" : ` · data to ${fmtTime(version)}`;
    if (feed.kind === "demo") {
      const on = feed.status === "simulated";
      setLive(on, on ? `demo · simulated feed${to}` : `demo · paused${to}`, on ? "on" : "idle");
      return;
    }
    if (feed.kind === "file") { setLive(false, `file · no live updates${to}`, "idle"); return; }
    if (version === null) { setLive(false, "waiting for data", "idle"); return; }
    const age = Math.max(0, Date.now() + feed.skew - version);
    if (age <= feed.freshMs) setLive(true, `live${to}`, "on");
    else setLive(false, `stored data to ${fmtTime(version)} · ${fmtAge(age)} old`, "stale");
  }

  function connectLive() {
    if (state.es) state.es.close();
    const q = new URLSearchParams({ source: state.source, symbol: state.symbol });
    const es = new EventSource(`${API}/events?${q}`);
    state.es = es;
    es.addEventListener("hello", (ev) => {
      const d = JSON.parse(ev.data);
      Object.assign(feed, { kind: d.kind, status: d.status, version: d.version,
        skew: d.server_time_ms - Date.now(), freshMs: d.fresh_ms || feed.freshMs });
      state.feed = feed.status;
      renderFeed();
      if (!feed.timer) feed.timer = setInterval(renderFeed, 15000); // the age keeps growing
      if (state.version !== null && d.version !== null && d.version !== state.version) load({ map: true, heat: true });
    });
    es.addEventListener("update", (ev) => {
      const d = JSON.parse(ev.data);
      state.updates += 1;
      state.lastEvent = d;
      feed.version = d.version;
      pulse();
      renderFeed();
      load({ map: true, heat: true });
    });
    es.addEventListener("alert", (ev) => addAlert(JSON.parse(ev.data)));
    es.onerror = () => setLive(false, "reconnecting…", "off");
  }

  function addAlert(d) {
    const a = d.alert || {};
    const list = $("alerts");
    const empty = list.querySelector(".empty");
    if (empty) empty.remove();
    const when = a.ts_ms ? fmtTime(a.ts_ms) : "";
    list.prepend(el("li", {}, el("div", {}, a.message || JSON.stringify(a)),
      el("div", { class: "t" }, `${a.rule || "alert"} · ${d.symbol} · ${when}`)));
    while (list.children.length > 50) list.lastElementChild.remove();
    state.alerts += 1;
    toast(a.message || "alert");
  }

  // --- calculator --------------------------------------------------------------------------
  async function calculate(ev) {
    ev.preventDefault();
    const out = $("calc-result");
    const params = {
      exchange: $("calc-exchange").value, side: $("calc-side").value, entry: $("calc-entry").value,
      leverage: $("calc-leverage").value, notional: $("calc-notional").value, symbol: state.symbol,
    };
    try {
      const q = await getJson("/liqprice", params);
      const lp = q.liquidation_price;
      out.replaceChildren(
        el("div", { class: `big ${q.side}` }, lp === null || lp === 0 ? "never liquidated" : fmtPrice(lp)),
        el("div", { class: "muted" }, lp === null || lp === 0 ? "the margin covers the position"
          : `${fmtPct(q.distance_pct)} from entry · bracket ${q.bracket} (MMR ${(q.maint_margin_ratio * 100).toFixed(2)}%, max ${q.max_leverage}x)`),
        el("div", { class: "muted" }, `margin ${q.margin.toLocaleString("en-US", { maximumFractionDigits: 2 })} ${q.margin_currency} · ${q.symbol} ${q.exchange}`),
      );
    } catch (err) {
      out.replaceChildren(el("div", { class: "err" }, err.message || String(err)));
    }
  }

  // --- wiring ------------------------------------------------------------------------------
  function bind() {
    $("source").addEventListener("change", () => {
      state.source = $("source").value;
      state.symbol = fillSelect($("symbol"), currentSource().symbols, state.symbol);
      fillSelect($("calc-exchange"), state.meta.exchanges, currentSource().exchange);
      reloadAll();
      connectLive();
    });
    $("symbol").addEventListener("change", () => {
      state.symbol = $("symbol").value;
      state.entryEdited = false;
      reloadAll();
      connectLive();
    });
    $("window").addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-window]");
      if (!b || b.dataset.window === state.window) return;
      state.window = b.dataset.window;
      for (const x of $("window").children) x.setAttribute("aria-checked", String(x === b));
      reloadAll();
    });
    $("tiers").addEventListener("click", (ev) => {
      const chip = ev.target.closest("button[data-tier]");
      if (!chip) return;
      const shown = new Set(state.shown || state.allTiers);
      if (shown.has(chip.dataset.tier)) shown.delete(chip.dataset.tier); else shown.add(chip.dataset.tier);
      if (!shown.size) return; // keep at least one tier
      state.shown = state.allTiers.filter((t) => shown.has(t));
      for (const c of $("tiers").children) c.setAttribute("aria-pressed", String(shown.has(c.dataset.tier)));
      syncUrl();
      load({ map: true, heat: false }, true);
    });
    $("calc-entry").addEventListener("input", () => { state.entryEdited = true; });
    $("calc").addEventListener("submit", calculate);
  }

  async function init() {
    try {
      state.meta = await getJson("/symbols");
    } catch (err) {
      showBanner(`Cannot reach the liqmap server: ${err.message}`);
      return;
    }
    const q = new URLSearchParams(window.location.search);
    const names = state.meta.sources.map((s) => s.name);
    state.source = names.includes(q.get("source")) ? q.get("source") : state.meta.defaults.source;
    state.symbol = q.get("symbol") || state.meta.defaults.symbol;
    state.window = WINDOWS.includes(q.get("window")) ? q.get("window") : state.meta.defaults.window;
    if (q.get("tiers")) state.shown = q.get("tiers").split(",");
    buildSelectors();
    bind();
    syncUrl();
    connectLive();
    await load({ map: true, heat: true }, true);
  }

  // what the cascade and plan panels (panels.js) use: the same fetch, drawing and selection
  /** Select a market (the Markets panel): the selectors follow, the page redraws. */
  function select(source, symbol) {
    const src = state.meta.sources.find((s) => s.name === source);
    if (!src || !src.symbols.includes(symbol)) return;
    if (source === state.source && symbol === state.symbol) return;
    const other = source !== state.source;
    state.source = fillSelect($("source"), state.meta.sources.map((s) => s.name), source);
    state.symbol = fillSelect($("symbol"), src.symbols, symbol);
    if (other) fillSelect($("calc-exchange"), state.meta.exchanges, src.exchange);
    state.entryEdited = false;
    reloadAll();
    connectLive();
  }

  window.liqmapApp = { getJson, draw, selection, select, onView: (fn) => viewers.push(fn) };

  document.addEventListener("DOMContentLoaded", init);
})();
