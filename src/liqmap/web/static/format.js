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
  // Display time zone (data stays UTC): ?tz=Europe/Berlin, ?tz=local, default UTC. Mirrors
  // liqmap.core.formatting.format_time: "2026-02-05 12:00 UTC", "2026-02-05 13:00 CET".
  const TZ = (() => {
    const asked = new URLSearchParams(window.location.search).get("tz");
    const zone = asked === "local" ? Intl.DateTimeFormat().resolvedOptions().timeZone : asked;
    if (!zone || zone.toUpperCase() === "UTC") return "UTC";
    try { new Intl.DateTimeFormat("en-US", { timeZone: zone }); return zone; } catch { return "UTC"; }
  })();
  const TIME_PARTS = new Intl.DateTimeFormat("en-US", {
    timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
  });
  function fmtTime(ms) {
    if (TZ === "UTC") return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
    const p = Object.fromEntries(TIME_PARTS.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
  }

  // Offset of the display zone from UTC at `ms` (DST-aware), and the zone's short name there.
  function zoneOffsetMs(ms) {
    if (TZ === "UTC") return 0;
    const p = Object.fromEntries(TIME_PARTS.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
    return wall - Math.floor(ms / 60000) * 60000;
  }
  function zoneName(ms) {
    if (TZ === "UTC") return "UTC";
    return TIME_PARTS.formatToParts(new Date(ms)).find((x) => x.type === "timeZoneName").value;
  }
  // A plotly date (UTC wall time, no zone) -> the display zone's wall time, as plotly reads it.
  // Mirrors liqmap.render.html_heatmap._wall (plotly dates carry no zone).
  function toZoneDate(iso) {
    const ms = Date.parse(iso.endsWith("Z") ? iso : `${iso}Z`);
    if (!Number.isFinite(ms)) return iso;
    return new Date(ms + zoneOffsetMs(ms)).toISOString().slice(0, 23);
  }

  // mirrors liqmap.core.formatting.format_duration, coarsened to two units
  function fmtAge(ms) {
    const s = Math.floor(Math.max(0, ms) / 1000);
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d >= 60) return `${Math.round(d / 30.44)} months`;
    if (d) return h ? `${d}d ${h}h` : `${d}d`;
    if (h) return m ? `${h}h ${m}m` : `${h}h`;
    return m ? `${m}m` : `${s}s`;
  }

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

  window.liqmapFormat = {
    fmtUsd, priceDecimals, fmtPrice, fmtPct, fmtTime, fmtAge, el, TZ, zoneOffsetMs, zoneName, toZoneDate,
  };
})();
