/* liqmap dashboard: number formatting (mirrors liqmap.core.reading) and a DOM helper. */
"use strict";

(() => {
  const USD_UNITS = [["", 1], ["k", 1e3], ["M", 1e6], ["B", 1e9], ["T", 1e12]];

  function fmtUsd(x) {
    if (!Number.isFinite(x)) return "n/a";
    const a = Math.abs(x);
    let text = "";
    for (let i = 0; i < USD_UNITS.length; i++) {
      const [suffix, scale] = USD_UNITS[i];
      const v = a / scale;
      const digits = i === 0 || v >= 99.95 ? v.toFixed(0) : v.toFixed(1);
      text = `$${digits}${suffix}`;
      if (parseFloat(digits) < 1000) break;
    }
    return x < 0 && parseFloat(text.slice(1)) !== 0 ? `-${text}` : text;
  }
  function priceDecimals(x) {
    const a = Math.abs(x);
    if (!a || !Number.isFinite(a)) return 0;
    const e = Math.floor(Math.log10(a));
    return Math.min(a >= 1 ? Math.max(0, 4 - e) : 3 - e, 12);
  }
  function fmtPrice(x, dec) {
    const d = dec === undefined ? priceDecimals(x) : dec;
    return x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  const fmtPct = (p) => `${p >= 0 ? "+" : ""}${p.toFixed(Math.abs(p) < 1 ? 2 : 1)}%`;
  const fmtTime = (ms) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "style") node.style.cssText = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  window.liqmapFormat = { fmtUsd, priceDecimals, fmtPrice, fmtPct, fmtTime, el };
})();
