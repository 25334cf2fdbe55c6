/* liqmap dashboard: the plumbing of the panels that follow the selection (cascade.js, plan.js):
   read the inputs, fetch the JSON and the figure together, draw, count renders; redraw when the
   inputs change or the map does (a new selection or a live update). */
"use strict";

(() => {
  const { el } = window.liqmapFormat;
  const app = window.liqmapApp;
  const $ = (id) => document.getElementById(id);
  const USD = /^\s*([-+]?[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmb]?)\s*$/i;
  const POWER_USD = [1e4, 1e13];
  const POWER_EXP = [0.2, 5];

  /** "250M" -> 2.5e8, "-1.5k" -> -1500 (as the CLI's --order-usd / --size); NaN if unreadable. */
  function parseUsd(text) {
    const m = USD.exec(String(text));
    if (!m) return NaN;
    return parseFloat(m[1]) * { "": 1, k: 1e3, m: 1e6, b: 1e9 }[m[2].toLowerCase()];
  }

  /** An input the user must fix: shown in the panel, never sent to the server. */
  class InputProblem extends Error {}

  /** The depth-model select (+ power-law inputs) of a panel whose ids start with ``prefix``. */
  function depthControls(prefix, onChange) {
    const select = $(`${prefix}-depth`);
    const usd = $(`${prefix}-power-usd`);
    const exp = $(`${prefix}-power-exp`);
    const power = Array.from(document.querySelectorAll(`#${prefix}-panel .power`));
    let symbol = null;
    let defaults = {};
    const showPower = () => power.forEach((n) => { n.hidden = select.value !== "power"; });

    function fill(view) {
      if (view.symbol === symbol && select.childElementCount) return;
      symbol = view.symbol;
      defaults = view.meta.depth_defaults || {};
      const keep = select.value;
      const auto = defaults[symbol] ? `default · ${defaults[symbol]}` : `${symbol}: no shipped model`;
      select.replaceChildren(
        el("option", { value: "" }, auto),
        ...(view.meta.depth_models || []).map((n) => el("option", { value: n }, n)),
        el("option", { value: "power" }, "Power law (custom)…"),
      );
      select.value = Array.from(select.options).some((o) => o.value === keep) ? keep : "";
      if (!select.value && !defaults[symbol]) select.value = "power";
      showPower();
    }

    function value() {
      if (select.value === "power") {
        const u = parseUsd(usd.value);
        const b = Number(exp.value);
        if (!(u >= POWER_USD[0] && u <= POWER_USD[1])) throw new InputProblem("USD within 1%: write an amount from 10k to 10T, e.g. 100M");
        if (!(b >= POWER_EXP[0] && b <= POWER_EXP[1])) throw new InputProblem("exponent: use 0.2 to 5 (about 1 for real books)");
        return `power:${u},${b}`;
      }
      if (!select.value && !defaults[symbol]) throw new InputProblem(`no shipped depth model for ${symbol}: choose one or a power law`);
      return select.value || null;
    }

    select.addEventListener("change", () => { showPower(); onChange(); });
    for (const n of [usd, exp]) n.addEventListener("input", onChange);
    return { fill, value };
  }

  /** Two-way segmented control: buttons with ``data-value``; returns the current value. */
  function segmented(id, onChange) {
    const seg = $(id);
    seg.addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-value]");
      if (!b || b.getAttribute("aria-checked") === "true") return;
      for (const x of seg.children) x.setAttribute("aria-checked", String(x === b));
      onChange(b.dataset.value);
    });
    return () => seg.querySelector("button[aria-checked='true']").dataset.value;
  }

  /**
   * A panel that follows the selection. ``spec``: ``name`` (ids ``NAME-panel``, ``NAME-chart``,
   * ``NAME-status``), ``path`` (JSON endpoint; the figure is ``/figures`` + path),
   * ``params(view)`` (query parameters, or throws InputProblem), ``render(body, view)``,
   * ``adjust(layout, body)`` (optional: e.g. the initial zoom), ``onView(view)`` (optional:
   * refresh inputs from the new map).
   */
  function register(spec) {
    const panel = $(`${spec.name}-panel`);
    const status = $(`${spec.name}-status`);
    let view = null;
    let busy = false;
    let again = false;
    let timer = null;

    function setStatus(text, kind) {
      status.textContent = text;
      status.className = `tool-status ${kind || ""}`;
    }

    /** Fetch and draw; a change meanwhile runs again once this one is drawn (no pile-up). */
    async function run() {
      clearTimeout(timer);
      if (!view) return;
      if (busy) { again = true; return; }
      let params;
      try {
        params = { ...app.selection(), ...spec.params(view) };
      } catch (err) {
        if (!(err instanceof InputProblem)) throw err;
        setStatus(err.message, "err");
        panel.classList.add("stale"); // what is drawn is for the previous inputs
        return;
      }
      busy = true;
      again = false;
      const slow = setTimeout(() => { panel.classList.add("busy"); setStatus("computing…"); }, 250);
      try {
        const [body, fig] = await Promise.all([
          app.getJson(spec.path, params),
          app.getJson(`/figures${spec.path}`, params),
        ]);
        spec.render(body, view);
        if (spec.adjust) spec.adjust(fig.layout, body);
        await app.draw(`${spec.name}-chart`, fig, spec.name);
        if (spec.after) await spec.after($(`${spec.name}-chart`));
        setStatus("");
        panel.classList.remove("stale");
        panel.dataset.renders = String(Number(panel.dataset.renders || "0") + 1);
      } catch (err) {
        setStatus(err.message || String(err), "err");
        panel.classList.add("stale");
      } finally {
        clearTimeout(slow);
        busy = false;
        panel.classList.remove("busy");
        if (again) run();
      }
    }

    const soon = () => { clearTimeout(timer); timer = setTimeout(run, 300); };
    app.onView((v) => {
      view = v;
      if (spec.onView) spec.onView(v);
      run();
    });
    return { run, soon };
  }

  const overlaps = (a, b) => !(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top);
  const isLineLabel = (a) => a.textangle === -90 && a.yref === "paper";
  const HEIGHTS = [0.02, 0.3, 0.58];

  /**
   * Move the chart's vertical line labels (shock/pin/final, entry/stop/TP) so that none overlaps
   * another or any other annotation (the current-price label, the summary): each label, in order,
   * takes the first slot (left/right of its line x three heights) that is free on screen.
   */
  async function declutter(gd) {
    const anns = (gd.layout && gd.layout.annotations) || [];
    const box = (i) => {
      const n = gd.querySelector(`g.annotation[data-index="${i}"]`);
      const r = n ? n.getBoundingClientRect() : null;
      return r && r.width > 0 ? r : null;
    };
    const others = anns.map((a, i) => (isLineLabel(a) ? null : box(i))).filter(Boolean);
    const placed = [];
    for (let i = 0; i < anns.length; i += 1) {
      if (!isLineLabel(anns[i]) || !box(i)) continue;
      let pick = null;
      let fallback = null;
      for (const y of HEIGHTS) {
        for (const xa of ["right", "left"]) {
          await window.Plotly.relayout(gd, { [`annotations[${i}].y`]: y, [`annotations[${i}].xanchor`]: xa });
          const r = box(i);
          if (!r || placed.some((p) => overlaps(r, p))) continue;
          fallback = fallback || [y, xa];
          if (!others.some((o) => overlaps(r, o))) { pick = [y, xa]; break; }
        }
        if (pick) break;
      }
      const [y, xa] = pick || fallback || [HEIGHTS[0], "right"];
      await window.Plotly.relayout(gd, { [`annotations[${i}].y`]: y, [`annotations[${i}].xanchor`]: xa });
      const r = box(i);
      if (r) placed.push(r);
    }
  }

  /** A table body from rows of cells (a cell: text, or [text, class]). */
  function fillRows(tbody, rows, empty, cols) {
    if (!rows.length) {
      tbody.replaceChildren(el("tr", { class: "empty" }, el("td", { colspan: String(cols) }, empty)));
      return;
    }
    tbody.replaceChildren(...rows.map((cells) => el("tr", {}, ...cells.map((c) => (
      Array.isArray(c) ? el("td", { class: c[1] }, c[0]) : el("td", {}, c)
    )))));
  }

  /** A KPI tile's value and sub-line. */
  function kpi(id, value, sub, cls) {
    const node = $(id);
    node.className = `value ${cls || ""}`;
    node.replaceChildren(value);
    const s = $(`${id}-sub`);
    if (s) s.textContent = sub || "";
  }

  window.liqmapPanels = { InputProblem, parseUsd, depthControls, segmented, register, fillRows, kpi, declutter };
})();
