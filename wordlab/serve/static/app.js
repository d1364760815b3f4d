// wordlab explorer: the page talks only to this server's /api/; no library, no build step.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const state = { models: [], methods: ["pca"] };

// ---- small helpers ---------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  let data;
  try { data = await response.json(); } catch (e) { data = { error: `HTTP ${response.status}` }; }
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function query(path, params) {
  return api(`${path}?${new URLSearchParams(params)}`);
}

function fmt(x, digits = 4) {
  return x === null || x === undefined ? "–" : Number(x).toFixed(digits);
}

function pct(x) {
  return x === null || x === undefined ? "–" : `${(100 * x).toFixed(2)}%`;
}

// how a typed word was found in one model
function note(status, query, word) {
  if (status === "lowercased") return `${query} → ${word}`;
  if (status === "subword") return `“${query}” is not in the vocabulary: vector built from its character n-grams`;
  if (status === "missing") return `“${query}” is not in the vocabulary`;
  return "";
}

function column(model) {
  const m = state.models.find((x) => x.name === model) || { name: model };
  const head = el("h3", { text: m.name });
  if (m.kind) head.append(el("span", { class: "badge", text: m.subwords ? `${m.kind} · subwords` : m.kind }));
  return el("div", { class: "column", "data-model": model }, head);
}

function scoreBar(score) {
  const bar = el("span", { class: "bar" });
  bar.style.width = `${Math.max(0, Math.min(1, score)) * 100}%`;
  return el("span", { class: "barbox" }, bar);
}

function results(id) {
  const box = document.getElementById(id);
  box.replaceChildren();
  return box;
}

// one request per model, each column filled as its answer arrives
async function perModel(boxId, ask, render) {
  const box = results(boxId);
  await Promise.all(state.models.map(async (m) => {
    const col = column(m.name);
    box.append(col);
    col.append(el("p", { class: "pending", text: "…" }));
    try {
      const answer = await ask(m.name);
      col.querySelector(".pending").remove();
      render(col, answer);
    } catch (err) {
      col.querySelector(".pending").remove();
      col.append(el("p", { class: "error", text: err.message }));
    }
  }));
}

function wordTable(rows, cls) {
  const body = el("tbody");
  rows.forEach((r, i) => {
    const link = el("a", { href: "#", class: "word", text: r.word });
    link.addEventListener("click", (e) => { e.preventDefault(); lookUp(r.word); });
    body.append(el("tr", {}, el("td", { class: "rank", text: String(i + 1) }), el("td", {}, link),
      el("td", { class: "score", text: fmt(r.score) }), el("td", {}, scoreBar(r.score))));
  });
  return el("table", { class: cls },
    el("thead", {}, el("tr", {}, el("th", { text: "#" }), el("th", { text: "word" }),
      el("th", { text: "cosine" }), el("th", {}))), body);
}

// ---- neighbours, analogies, similarity ---------------------------------------------------------

function lookUp(word) {
  document.getElementById("nn-word").value = word;
  showTab("neighbors");
  neighbors();
}

function neighbors() {
  const word = document.getElementById("nn-word").value.trim();
  const k = document.getElementById("nn-k").value || "10";
  if (!word) return;
  perModel("nn-results", (model) => query("/api/neighbors", { model, word, k }), (col, a) => {
    const text = note(a.status, a.query, a.word);
    if (text) col.append(el("p", { class: `note ${a.status}`, text }));
    if (a.neighbors.length) col.append(wordTable(a.neighbors, "neighbors"));
  });
}

function analogy() {
  const [a, b, c] = ["an-a", "an-b", "an-c"].map((id) => document.getElementById(id).value.trim());
  const method = document.getElementById("an-method").value;
  const k = document.getElementById("an-k").value || "10";
  if (!a || !b || !c) return;
  perModel("an-results", (model) => query("/api/analogy", { model, a, b, c, k, method }), (col, r) => {
    for (const key of ["a", "b", "c"]) {
      const text = note(r.status[key], r.query[key], r.words[key]);
      if (text && r.status[key] !== "missing") col.append(el("p", { class: `note ${r.status[key]}`, text }));
    }
    if (r.message) col.append(el("p", { class: "note missing", text: r.message }));
    if (r.answers.length) col.append(wordTable(r.answers, "answers"));
  });
}

async function similarity() {
  const w1 = document.getElementById("sim-w1").value.trim();
  const w2 = document.getElementById("sim-w2").value.trim();
  if (!w1 || !w2) return;
  const box = results("sim-results");
  const body = el("tbody");
  box.append(el("table", { class: "similarity" }, el("thead", {}, el("tr", {},
    el("th", { text: "model" }), el("th", { text: "cosine" }), el("th", {}), el("th", { text: "note" }))), body));
  for (const m of state.models) {
    const row = el("tr", {}, el("td", { text: m.name }));
    body.append(row);
    try {
      const r = await query("/api/similarity", { model: m.name, w1, w2 });
      const notes = [0, 1].map((i) => note(r.status[i], r.query[i], r.words[i])).filter(Boolean);
      row.append(el("td", { class: "score", text: fmt(r.similarity) }),
        el("td", {}, r.similarity === null ? "" : scoreBar(r.similarity)),
        el("td", { class: "note", text: notes.join("; ") }));
    } catch (err) {
      row.append(el("td", { class: "error", colspan: "3", text: err.message }));
    }
  }
}

// ---- the map: labelled points, hover, zoom and pan ----------------------------------------------

function drawMap(col, answer) {
  const W = 460, H = 380, left = 20, right = 80, top = 24, bottom = 24;  // room for labels
  const pts = answer.points;
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const w = W - left - right, h = H - top - bottom;
  const s = Math.min(w / ((x1 - x0) || 1), h / ((y1 - y0) || 1));
  // centred in the box, y upwards as in a plot
  const base = pts.map((p) => [left + (p.x - x0) * s + (w - (x1 - x0) * s) / 2,
                                H - bottom - (p.y - y0) * s - (h - (y1 - y0) * s) / 2]);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "map", role: "img",
                             "aria-label": `map of ${pts.length} words in ${answer.model}` });
  svg.append(svgEl("rect", { x: 0, y: 0, width: W, height: H, class: "backdrop" }));
  const view = { k: 1, tx: 0, ty: 0 };
  const nodes = pts.map((p, i) => {
    const g = svgEl("g", { class: `point ${p.status}${answer.center && i === 0 ? " center" : ""}` });
    const title = svgEl("title");
    title.textContent = p.status === "subword" ? `${p.word} (from n-grams)` : p.word;
    const dot = svgEl("circle", { r: 4 });
    const label = svgEl("text", { dx: 6, dy: 4 });
    label.textContent = p.word;
    g.append(title, dot, label);
    g.addEventListener("mouseenter", (e) => { g.classList.add("hot"); tip(e, p, answer.model); });
    g.addEventListener("mouseleave", () => { g.classList.remove("hot"); tip(null); });
    svg.append(g);
    return g;
  });
  function render() {
    nodes.forEach((g, i) => {
      const x = view.tx + view.k * base[i][0], y = view.ty + view.k * base[i][1];
      g.setAttribute("transform", `translate(${x.toFixed(2)},${y.toFixed(2)})`);
    });
  }
  function toSvg(e) {
    const r = svg.getBoundingClientRect();
    return [(e.clientX - r.left) * (W / r.width), (e.clientY - r.top) * (H / r.height)];
  }
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const [mx, my] = toSvg(e);
    const f = Math.exp(-e.deltaY * 0.0015);
    const k = Math.max(0.2, Math.min(50, view.k * f));
    view.tx = mx - (mx - view.tx) * (k / view.k);
    view.ty = my - (my - view.ty) * (k / view.k);
    view.k = k;
    render();
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (e) => { drag = [...toSvg(e), view.tx, view.ty]; svg.setPointerCapture(e.pointerId); svg.classList.add("dragging"); });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const [mx, my] = toSvg(e);
    view.tx = drag[2] + mx - drag[0];
    view.ty = drag[3] + my - drag[1];
    render();
  });
  const stop = () => { drag = null; svg.classList.remove("dragging"); };
  svg.addEventListener("pointerup", stop);
  svg.addEventListener("pointercancel", stop);
  svg.addEventListener("dblclick", () => { Object.assign(view, { k: 1, tx: 0, ty: 0 }); render(); });
  render();
  col.append(svg);
}

function tip(e, p, model) {
  const box = document.getElementById("tip");
  if (!e) { box.hidden = true; return; }
  box.textContent = p.status === "subword" ? `${p.word} · ${model} · from character n-grams`
    : p.query !== p.word ? `${p.query} → ${p.word} · ${model}` : `${p.word} · ${model}`;
  box.style.left = `${e.pageX + 12}px`;
  box.style.top = `${e.pageY + 12}px`;
  box.hidden = false;
}

function drawMaps() {
  const mode = document.querySelector("input[name=map-mode]:checked").value;
  const method = document.getElementById("map-method").value;
  let body;
  if (mode === "words") {
    const words = document.getElementById("map-words").value.split(/[\s,;]+/).filter(Boolean);
    if (!words.length) return;
    body = { words, method };
  } else {
    const word = document.getElementById("map-word").value.trim();
    if (!word) return;
    body = { word, k: Number(document.getElementById("map-k").value || 20), method };
  }
  perModel("map-results", (model) => api("/api/project", { ...body, model }), (col, a) => {
    if (a.missing.length) col.append(el("p", { class: "note missing", text: `not in the vocabulary: ${a.missing.join(", ")}` }));
    if (a.points.length) drawMap(col, { ...a, center: mode === "word" });
  });
}

// ---- evaluation table ---------------------------------------------------------------------------

function table(headers, rows) {
  return el("table", { class: "scores" },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { text: h })))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", { text: String(c) }))))));
}

async function evaluation() {
  const scores = await api("/api/evaluation");
  const box = results("eval-results");
  if (scores.similarity.length) {
    box.append(el("h2", { text: "Word similarity" }), table(
      ["dataset", "model", "pearson", "spearman", "pairs", "used", "oov", "coverage"],
      scores.similarity.map((r) => [r.dataset, r.model, fmt(r.pearson), fmt(r.spearman),
        r.pairs, r.used, r.oov, pct(r.coverage)])));
  }
  if (scores.analogy.length) {
    box.append(el("h2", { text: "Word analogy" }), table(
      ["dataset", "model", "method", "semantic", "syntactic", "total", "correct", "used", "coverage"],
      scores.analogy.map((r) => [r.dataset, r.model, r.method, pct(r.semantic && r.semantic.accuracy),
        pct(r.syntactic && r.syntactic.accuracy), pct(r.total.accuracy), r.total.correct,
        r.total.used, pct(r.coverage)])));
  }
}

// ---- start ---------------------------------------------------------------------------------------

function showTab(name) {
  document.querySelectorAll(".tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("active", p.id === name));
}

async function start() {
  document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  const submit = (id, fn) => document.getElementById(id).addEventListener("submit", (e) => { e.preventDefault(); fn(); });
  submit("nn-form", neighbors);
  submit("an-form", analogy);
  submit("sim-form", similarity);
  submit("map-form", drawMaps);
  document.getElementById("map-word").addEventListener("focus", () => { document.querySelector("input[name=map-mode][value=word]").checked = true; });
  document.getElementById("map-words").addEventListener("focus", () => { document.querySelector("input[name=map-mode][value=words]").checked = true; });
  const info = await api("/api/models");
  state.models = info.models;
  state.methods = info.methods;
  const list = document.getElementById("models");
  for (const m of info.models) {
    list.append(el("li", { title: m.path }, el("strong", { text: m.name }),
      ` ${m.words.toLocaleString()} words · dim ${m.dim}${m.subwords ? " · subwords" : ""}`));
  }
  const select = document.getElementById("map-method");
  const names = { pca: "PCA", tsne: "t-SNE", umap: "UMAP" };
  for (const m of info.methods) select.append(el("option", { value: m, text: names[m] || m }));
  if (info.evaluation) {
    document.getElementById("tab-evaluation").hidden = false;
    evaluation().catch((err) => results("eval-results").append(el("p", { class: "error", text: err.message })));
  }
  document.body.classList.add("ready");
}

start().catch((err) => {
  document.querySelector("main").prepend(el("p", { class: "error", text: `cannot reach the server: ${err.message}` }));
});
