/* norte interactive charts: progressive enhancement of a static chart (no network, no library).
 * Mount: <div class="nc" data-nc="ID" hidden></div> inside a <figure>, followed by
 * <script type="application/json" class="nc-data">{payload}</script> (the static site, file://)
 * or with data-src="URL" (the web app: the same payload as JSON). The payload is made by
 * norte/publish/interactive.py. The figure's static <svg> stays for print and for no-JS readers.
 * State in the URL hash: #ID?from=2020-01&to=2024-12&t=yoy&v=first&s=export (s: series shown). */
(function () {
  "use strict";
  if (window.NorteChart) return;
  var NS = "http://www.w3.org/2000/svg";
  var W = 680, H = 300, M = { l: 58, r: 14, t: 12, b: 28 };
  var LAG = { A: 1, Q: 4, M: 12 };
  var CSS =
    ".nc{font-size:.85rem;position:relative}" +
    ".nc-controls{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;border:0;padding:0;margin:.3rem 0}" +
    ".nc-controls legend{position:absolute;left:-9999px}" +
    ".nc select,.nc button,.nc textarea{font:inherit}" +
    ".nc svg.nc-plot{display:block;width:100%;height:auto;max-width:" + W + "px}.nc-swatch{display:inline-block;width:24px;border-top:3px solid;vertical-align:middle;margin-right:.3rem}" +
    ".nc svg.nc-plot:focus{outline:2px solid #0a5c8a;outline-offset:2px}" +
    ".nc-legend{display:flex;flex-wrap:wrap;gap:.2rem 1rem;list-style:none;padding:0;margin:.2rem 0}" +
    ".nc-legend label{cursor:pointer}.nc-legend input:disabled~span{opacity:.5}" +
    ".nc-tip{position:absolute;pointer-events:none;background:#fff;border:1px solid #888;" +
    "padding:.3rem .5rem;box-shadow:0 1px 4px rgba(0,0,0,.2);white-space:nowrap;z-index:2}" +
    ".nc-tip[hidden]{display:none}.nc-tip b{display:block}.nc-tip i{font-style:normal;color:#4f5663}" +
    ".nc-share{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:baseline;margin:.2rem 0}" +
    ".nc-share textarea{width:100%;min-width:22rem;height:3.2rem}" +
    ".nc-hint{color:#4f5663}" +
    "figure.nc-on>svg{display:none}" +
    "@media print{figure.nc-on>svg{display:block!important}.nc{display:none!important}}" +
    "html.nc-embed body>*{display:none}html.nc-embed body>figure.nc-embedded{display:block;margin:.5rem}";

  function el(tag, attrs, parent, svg) {
    var e = svg ? document.createElementNS(NS, tag) : document.createElement(tag);
    for (var k in attrs || {}) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function sel(parent, id, label, options, value) {
    var wrap = el("span", {}, parent);
    el("label", { "for": id }, wrap).textContent = label + " ";
    var s = el("select", { id: id }, wrap);
    options.forEach(function (o) {
      var opt = el("option", { value: o[0] }, s);
      opt.textContent = o[1];
    });
    s.value = value;
    return s;
  }

  /* --- numbers and periods, as the site's formatters write them (payload.fmt) */
  function num(fmt, v, d) {
    var s = Math.abs(v).toFixed(d), parts = s.split(".");
    var int = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, fmt.group);
    var out = parts.length > 1 ? int + fmt.decimal + parts[1] : int;
    return v < 0 && Number(s) !== 0 ? "-" + out : out;
  }
  function pct(fmt, frac) {
    var t = fmt.pct.replace("{v}", num(fmt, Math.abs(frac * 100), 1));
    return frac < 0 && Math.abs(frac * 100).toFixed(1) !== "0.0" ? "-" + t : t;
  }
  function parts(iso) {
    return { y: Number(iso.slice(0, 4)), m: Number(iso.slice(5, 7)) };
  }
  function periodLabel(d, iso) {
    var p = parts(iso);
    if (d.freq === "A") return String(p.y);
    if (d.freq === "Q") return "Q" + ((p.m - 1) / 3 + 1) + " " + p.y;
    return d.fmt.months[p.m - 1] + " " + p.y;
  }
  function periodKey(d, iso) {
    return d.freq === "A" ? iso.slice(0, 4) : iso.slice(0, 7);
  }
  function when(iso) {
    var p = parts(iso);
    return p.y + (p.m - 1) / 12;
  }

  function Chart(root, d) {
    this.root = root;
    this.d = d;
    this.fig = root.closest("figure") || root.parentNode;
    this.id = d.id;
    var n = d.periods.length;
    this.pos = {};
    for (var i = 0; i < n; i++) this.pos[d.periods[i]] = i;
    this.hasFirst = d.series.some(function (s) { return !!s.first; });
    this.state = { from: 0, to: n - 1, t: "levels", v: "latest", hide: {} };
    this.cursor = n - 1;
    this.build();
    this.restore(location.hash);
    this.draw();
    this.fig.classList.add("nc-on");
    root.hidden = false;
    var self = this;
    window.addEventListener("hashchange", function () {
      if (self.restore(location.hash)) self.draw();
    });
    this.fig.norteChart = this;
  }

  Chart.prototype.build = function () {
    var d = this.d, t = d.t, self = this, root = this.root;
    var fs = el("fieldset", { "class": "nc-controls" }, root);
    el("legend", {}, fs).textContent = t.controls;
    var opts = d.periods.map(function (p) { return [periodKey(d, p), periodLabel(d, p)]; });
    var id = "nc-" + this.id + "-";
    this.from = sel(fs, id + "from", t.from, opts, opts[0][0]);
    this.to = sel(fs, id + "to", t.to, opts, opts[opts.length - 1][0]);
    this.tf = sel(fs, id + "transform", t.transform, [["levels", t.levels], ["yoy", t.yoy], ["index", t.index]], "levels");
    if (this.hasFirst)
      this.vw = sel(fs, id + "vintage", t.vintage, [["latest", t.latest], ["first", t.first], ["both", t.both]], "latest");
    [this.from, this.to, this.tf, this.vw].forEach(function (s) {
      if (s) s.addEventListener("change", function () { self.fromControls(); });
    });
    var label = this.fig.querySelector("svg[aria-label]");
    this.svg = el("svg", {
      viewBox: "0 0 " + W + " " + H, role: "img", tabindex: "0", "class": "nc-plot",
      "aria-label": (label ? label.getAttribute("aria-label") + " " : "") + t.hint
    }, root, true);
    this.tip = el("div", { "class": "nc-tip", role: "status", "aria-live": "polite", hidden: "" }, root);
    var ul = el("ul", { "class": "nc-legend", "aria-label": t.series }, root);
    this.boxes = {};
    d.series.forEach(function (s) {
      var li = el("li", {}, ul), lab = el("label", {}, li);
      var cb = el("input", { type: "checkbox", value: s.key, checked: "" }, lab);
      el("span", { "class": "nc-swatch", "aria-hidden": "true", style: "border-top-color:" + s.color +
        (s.ref || s.dash.join(" ") !== "1 0" ? ";border-top-style:dashed" : "") }, lab);
      el("span", {}, lab).textContent = " " + s.label;
      cb.addEventListener("change", function () { self.fromControls(); });
      self.boxes[s.key] = cb;
    });
    var share = el("p", { "class": "nc-share" }, root);
    this.link = el("a", { "class": "nc-permalink", href: "#" + this.id }, share);
    this.link.textContent = t.permalink;
    var det = el("details", { "class": "nc-embed" }, share);
    el("summary", {}, det).textContent = t.embed;
    this.code = el("textarea", { readonly: "", rows: 2, "aria-label": t.embed }, det);
    var copy = el("button", { type: "button" }, det);
    copy.textContent = t.copy;
    copy.addEventListener("click", function () {
      self.code.select();
      var done = function () { copy.textContent = t.copied; };
      if (navigator.clipboard) navigator.clipboard.writeText(self.code.value).then(done, function () {});
      else { try { document.execCommand("copy"); done(); } catch (e) { /* selected: copy by hand */ } }
    });
    this.svg.addEventListener("mousemove", function (ev) { self.hover(ev); });
    this.svg.addEventListener("mouseleave", function () { self.tip.hidden = true; self.drawCursor(null); });
    this.svg.addEventListener("focus", function () { self.show(self.cursor); });
    this.svg.addEventListener("blur", function () { self.tip.hidden = true; self.drawCursor(null); });
    this.svg.addEventListener("keydown", function (ev) { self.key(ev); });
  };

  /* --- state <-> controls <-> URL */
  Chart.prototype.fromControls = function () {
    var s = this.state;
    s.from = this.indexOfKey(this.from.value, 0);
    s.to = this.indexOfKey(this.to.value, this.d.periods.length - 1);
    if (s.from > s.to) { var x = s.from; s.from = s.to; s.to = x; }
    s.t = this.tf.value;
    s.v = this.vw ? this.vw.value : "latest";
    s.hide = {};
    for (var k in this.boxes) if (!this.boxes[k].checked) s.hide[k] = true;
    this.draw();
    this.remember();
  };
  Chart.prototype.indexOfKey = function (key, dflt) {
    var d = this.d;
    for (var i = 0; i < d.periods.length; i++) if (periodKey(d, d.periods[i]) === key) return i;
    return dflt;
  };
  Chart.prototype.hash = function (embed) {
    var s = this.state, d = this.d, q = [];
    q.push("from=" + periodKey(d, d.periods[s.from]), "to=" + periodKey(d, d.periods[s.to]));
    q.push("t=" + s.t, "v=" + s.v);
    var shown = d.series.filter(function (x) { return !s.hide[x.key]; }).map(function (x) { return x.key; });
    if (shown.length < d.series.length) q.push("s=" + shown.map(encodeURIComponent).join(","));
    if (embed) q.push("embed=1");
    return "#" + encodeURIComponent(this.id) + "?" + q.join("&");
  };
  Chart.prototype.save = function () {
    var h = this.hash(false);
    this.link.setAttribute("href", h);
    // the published address when the site has one (base_url: <link rel="canonical">)
    var canon = document.querySelector('link[rel="canonical"]');
    var base = canon ? canon.href : location.href.split("#")[0];
    this.code.value = '<iframe src="' + base + this.hash(true) + '" width="' + (W + 40) +
      '" height="560" title="' + this.d.title.replace(/"/g, "&quot;") + '" loading="lazy"></iframe>';
    return h;
  };
  Chart.prototype.remember = function () {
    var h = this.save();
    try { history.replaceState(null, "", h); } catch (e) { /* file:// in some browsers */ }
  };
  Chart.prototype.restore = function (hash) {
    var h = (hash || "").replace(/^#/, ""), at = h.indexOf("?");
    if (at < 0 || decodeURIComponent(h.slice(0, at)) !== this.id) { this.save(); return false; }
    var q = new URLSearchParams(h.slice(at + 1)), s = this.state, d = this.d, n = d.periods.length;
    s.from = this.indexOfKey(q.get("from"), 0);
    s.to = this.indexOfKey(q.get("to"), n - 1);
    if (s.from > s.to) { var x = s.from; s.from = s.to; s.to = x; }
    s.t = ["levels", "yoy", "index"].indexOf(q.get("t")) >= 0 ? q.get("t") : "levels";
    s.v = this.hasFirst && ["latest", "first", "both"].indexOf(q.get("v")) >= 0 ? q.get("v") : "latest";
    s.hide = {};
    if (q.has("s")) {
      var shown = q.get("s").split(",").map(decodeURIComponent);
      d.series.forEach(function (x) { if (shown.indexOf(x.key) < 0) s.hide[x.key] = true; });
    }
    this.from.value = periodKey(d, d.periods[s.from]);
    this.to.value = periodKey(d, d.periods[s.to]);
    this.tf.value = s.t;
    if (this.vw) this.vw.value = s.v;
    for (var k in this.boxes) this.boxes[k].checked = !s.hide[k];
    if (q.get("embed") === "1") embed(this.fig);
    this.save();
    return true;
  };

  /* --- values of a series in the current transform: array aligned with periods */
  Chart.prototype.values = function (s, vintage) {
    var d = this.d, st = this.state, raw = vintage === "first" && s.first ? s.first : s.latest;
    if (st.t === "levels") return raw;
    if (s.ref) return raw.map(function () { return null; });
    var out = new Array(raw.length), i;
    if (st.t === "yoy") {
      for (i = 0; i < raw.length; i++) {
        var p = parts(d.periods[i]), prev = (p.y - 1) + d.periods[i].slice(4);
        var j = this.pos[prev], a = raw[i], b = j === undefined ? null : raw[j];
        out[i] = a === null || b === null || b === 0 ? null : a / b - 1;
      }
      return out;
    }
    var base = null;
    for (i = st.from; i <= st.to && base === null; i++) base = raw[i];
    for (i = 0; i < raw.length; i++)
      out[i] = raw[i] === null || !base ? null : (raw[i] / base) * 100;
    return out;
  };
  Chart.prototype.format = function (v) {
    var d = this.d, t = this.state.t;
    if (v === null || v === undefined) return d.t.no_value;
    if (t === "yoy") return pct(d.fmt, v);
    if (t === "index") return num(d.fmt, v, 1);
    if (d.unit === "USD") {
      var txt = d.fmt.usd_bn.replace("{v}", num(d.fmt, Math.abs(v) / 1e9, 1));
      return v < 0 && (Math.abs(v) / 1e9).toFixed(1) !== "0.0" ? "-" + txt : txt;
    }
    if (d.unit === "percent") return pct(d.fmt, v / 100);
    return num(d.fmt, v, Math.abs(v) < 100 ? 2 : 0) + (d.unit ? " " + d.unit : "");
  };
  Chart.prototype.axisValue = function (v, step) {
    var d = this.d, t = this.state.t, k = 1;
    if (t === "levels" && d.unit === "USD") k = 1e9;
    if (t === "yoy") k = 0.01;
    var dec = Math.max(0, -Math.floor(Math.log10(step / k) + 1e-9));
    return num(d.fmt, v / k, Math.min(dec, 3));
  };
  Chart.prototype.axisTitle = function () {
    var d = this.d, t = this.state.t;
    if (t === "yoy") return d.t.axis_yoy;
    if (t === "index") return d.t.axis_index.replace("{period}", periodLabel(d, d.periods[this.state.from]));
    return d.axis || "";
  };
  /* the drawn lines: [{series, vintage, values}] */
  Chart.prototype.lines = function () {
    var self = this, st = this.state, out = [];
    this.d.series.forEach(function (s) {
      if (st.hide[s.key] || (s.ref && st.t !== "levels")) return;
      if (st.v !== "latest" && s.first) out.push({ s: s, v: "first", values: self.values(s, "first") });
      if (st.v !== "first" || !s.first) out.push({ s: s, v: "latest", values: self.values(s, "latest") });
    });
    return out;
  };

  function nice(lo, hi, count) {
    if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; }
    var raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw))), r = raw / mag;
    var step = (r >= 5 ? 10 : r >= 2 ? 5 : r >= 1.5 ? 2 : 1) * mag;
    return { lo: Math.floor(lo / step) * step, hi: Math.ceil(hi / step) * step, step: step };
  }

  Chart.prototype.draw = function () {
    var d = this.d, st = this.state, svg = this.svg, self = this;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var lines = this.lines(), lo = Infinity, hi = -Infinity, i;
    lines.forEach(function (l) {
      for (var i = st.from; i <= st.to; i++) {
        var v = l.values[i];
        if (v !== null && v !== undefined) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
    });
    if (lo === Infinity) { lo = 0; hi = 1; }
    if (st.t !== "index") { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
    var y = nice(lo, hi, 5), t0 = when(d.periods[st.from]), t1 = when(d.periods[st.to]);
    if (t1 === t0) t1 = t0 + 1;
    var px = function (iso) { return M.l + ((when(iso) - t0) / (t1 - t0)) * (W - M.l - M.r); };
    var py = function (v) { return M.t + (1 - (v - y.lo) / (y.hi - y.lo)) * (H - M.t - M.b); };
    this.px = px; this.py = py;
    var g = el("g", { "font-size": 11, fill: "#333" }, svg, true);
    for (var v = y.lo; v <= y.hi + y.step / 2; v += y.step) {
      el("line", { x1: M.l, x2: W - M.r, y1: py(v), y2: py(v), stroke: Math.abs(v) < y.step / 1e6 ? "#888" : "#eee" }, g, true);
      el("text", { x: M.l - 6, y: py(v) + 4, "text-anchor": "end" }, g, true).textContent = this.axisValue(Math.abs(v) < y.step / 1e6 ? 0 : v, y.step);
    }
    var title = el("text", { transform: "translate(12," + (M.t + (H - M.t - M.b) / 2) + ") rotate(-90)", "text-anchor": "middle" }, g, true);
    title.textContent = this.axisTitle();
    var years = Math.max(1, Math.ceil((t1 - t0) / 10));
    for (var yr = Math.ceil(t0); yr <= Math.floor(t1); yr += years) {
      var x = M.l + ((yr - t0) / (t1 - t0)) * (W - M.l - M.r);
      el("line", { x1: x, x2: x, y1: H - M.b, y2: H - M.b + 4, stroke: "#888" }, g, true);
      el("text", { x: x, y: H - M.b + 16, "text-anchor": "middle" }, g, true).textContent = String(yr);
    }
    lines.forEach(function (l) {
      var dpath = "", pen = false, pts = [];
      for (i = st.from; i <= st.to; i++) {
        var v = l.values[i];
        if (v === null || v === undefined) { pen = false; continue; }
        dpath += (pen ? "L" : "M") + px(d.periods[i]).toFixed(1) + " " + py(v).toFixed(1);
        pen = true;
        pts.push(i);
      }
      var dash = l.v === "first" ? "3 3" : l.s.ref ? "6 4" : l.s.dash.join(" ");
      el("path", { d: dpath, fill: "none", stroke: l.s.color, "stroke-width": l.v === "first" ? 1.5 : 1.8,
        "stroke-dasharray": dash === "1 0" ? null : dash, "class": "nc-line", "data-series": l.s.key, "data-vintage": l.v }, svg, true);
      if (pts.length === 1 || (l.s.ref && pts.length <= 2))
        pts.forEach(function (i) {
          el("circle", { cx: px(d.periods[i]), cy: py(l.values[i]), r: 4, fill: l.s.color }, svg, true);
        });
    });
    this.cursorG = el("g", { "pointer-events": "none" }, svg, true);
    el("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, fill: "transparent" }, svg, true);
    if (this.cursor < st.from || this.cursor > st.to) this.cursor = st.to;
    if (!this.tip.hidden) this.show(this.cursor);
  };

  Chart.prototype.drawCursor = function (i) {
    var g = this.cursorG, d = this.d;
    while (g.firstChild) g.removeChild(g.firstChild);
    if (i === null) return;
    var x = this.px(d.periods[i]), self = this;
    el("line", { x1: x, x2: x, y1: M.t, y2: H - M.b, stroke: "#555", "stroke-width": 1 }, g, true);
    this.lines().forEach(function (l) {
      var v = l.values[i];
      if (v !== null && v !== undefined)
        el("circle", { cx: x, cy: self.py(v), r: 3.5, fill: "#fff", stroke: l.s.color, "stroke-width": 2 }, g, true);
    });
  };
  /* the tooltip of period i: the period as people read it, each series' value */
  Chart.prototype.show = function (i) {
    var d = this.d, tip = this.tip, self = this;
    this.cursor = i;
    while (tip.firstChild) tip.removeChild(tip.firstChild);
    el("b", { "class": "nc-period" }, tip).textContent = periodLabel(d, d.periods[i]);
    this.lines().forEach(function (l) {
      if (l.s.ref && (l.values[i] === null || l.values[i] === undefined)) return;
      var row = el("div", { "class": "nc-value", "data-series": l.s.key, "data-vintage": l.v }, tip);
      var mark = el("span", { "aria-hidden": "true", style: "color:" + l.s.color }, row);
      mark.textContent = l.v === "first" ? "\u2504 " : "\u25cf ";
      var text = l.s.label + (l.v === "first" ? " " + d.t.first_suffix : "") + ": " + self.format(l.values[i]);
      row.appendChild(document.createTextNode(text));
      if (l.v === "latest" && self.state.v === "both" && l.s.first && self.state.t === "levels") {
        var a = l.s.latest[i], b = l.s.first[i];
        if (a !== null && b !== null && a !== b) {
          var rev = el("i", {}, row);
          rev.textContent = " (" + d.t.revised + " " + (a > b ? "+" : "") + self.format(a - b) + ")";
        }
      }
    });
    tip.hidden = false;
    var box = this.svg.getBoundingClientRect(), host = this.root.getBoundingClientRect();
    var k = box.width / W, x = box.left - host.left + this.px(d.periods[i]) * k;
    tip.style.top = (box.top - host.top + M.t * k) + "px";
    tip.style.left = Math.max(0, x + 12 + tip.offsetWidth > host.width ? x - 12 - tip.offsetWidth : x + 12) + "px";
    this.drawCursor(i);
  };
  Chart.prototype.hover = function (ev) {
    var box = this.svg.getBoundingClientRect(), x = ((ev.clientX - box.left) / box.width) * W;
    var d = this.d, st = this.state, best = st.from, dist = Infinity;
    for (var i = st.from; i <= st.to; i++) {
      var dx = Math.abs(this.px(d.periods[i]) - x);
      if (dx < dist) { dist = dx; best = i; }
    }
    this.show(best);
  };
  Chart.prototype.key = function (ev) {
    var st = this.state, i = this.cursor, step = { ArrowLeft: -1, ArrowRight: 1, PageUp: -LAG[this.d.freq], PageDown: LAG[this.d.freq] }[ev.key];
    if (step) i = Math.min(st.to, Math.max(st.from, i + step));
    else if (ev.key === "Home") i = st.from;
    else if (ev.key === "End") i = st.to;
    else if (ev.key === "Escape") { this.tip.hidden = true; this.drawCursor(null); return; }
    else return;
    ev.preventDefault();
    this.show(i);
  };
  /* client x (page pixels) of a period: for tests and for scripts that drive the chart */
  Chart.prototype.clientX = function (iso) {
    var box = this.svg.getBoundingClientRect();
    return box.left + (this.px(iso) / W) * box.width;
  };

  function embed(fig) {
    document.documentElement.classList.add("nc-embed");
    fig.classList.add("nc-embedded");
    if (fig.parentNode !== document.body) document.body.appendChild(fig);
  }

  function mount(root) {
    if (root.norteMounted) return;
    root.norteMounted = true;
    var src = root.getAttribute("data-src");
    if (src) {
      fetch(src, { headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(src + ": HTTP " + r.status); return r.json(); })
        .then(function (d) { new Chart(root, d); })
        .catch(function (e) { root.hidden = true; console.warn("norte chart " + src + ": " + e.message); });
      return;
    }
    var data = root.nextElementSibling;
    if (!data || !data.classList.contains("nc-data")) return;
    new Chart(root, JSON.parse(data.textContent));
  }
  function start() {
    var style = el("style", {}, document.head);
    style.textContent = CSS;
    Array.prototype.forEach.call(document.querySelectorAll("div.nc"), mount);
  }
  window.NorteChart = { mount: mount, Chart: Chart, format: { num: num, pct: pct } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
