/* emgkit live screen. Plain JS, no build step. Every piece of text from the server or the
   user is put in the page with textContent (never innerHTML), so it is always escaped. */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  // wall clock in seconds since the epoch with sub-ms resolution (the server stamps time.time())
  const wallNow = () => (performance.timeOrigin + performance.now()) / 1000;
  const WINDOW_S = 10;
  const app = (window.__emgkit = {
    state: null, names: [], muscles: [], t: [], env: [], raw: [],
    lat: [], latParts: [], stamps: [], pending: [], frames: 0, msgs: 0, view: "setup", userView: false, dirty: false,
  });

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const k of kids) e.append(k);
    return e;
  }
  const pretty = (s) => String(s || "").replace(/_/g, " ");

  // ------------------------------------------------------------------ views
  function show(view, byUser) {
    app.view = view;
    if (byUser) app.userView = true;
    document.querySelectorAll(".view").forEach((v) => v.classList.toggle("active", v.id === "view-" + view));
    document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
    document.body.dataset.view = view;
    app.dirty = true;
    if (view === "bio") fillBioChannels();
  }
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view, true)));

  // ------------------------------------------------------------------ socket
  let ws = null;
  function send(obj) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(obj)); }
  app.send = send;
  function connect() {
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = () => { $("status").dataset.conn = "open"; $("status").textContent = "connected"; };
    ws.onclose = () => { $("status").dataset.conn = "closed"; $("status").textContent = "reconnecting…"; setTimeout(connect, 500); };
    ws.onmessage = (ev) => {
      const recv = wallNow(); const m = JSON.parse(ev.data); app.msgs++; m.recv = recv;
      if (m.type === "state") onState(m.state); else if (m.type === "env") onEnv(m);
    };
  }

  // ------------------------------------------------------------------ setup
  async function loadOptions() {
    const o = await (await fetch("/api/options")).json();
    const fill = (sel, items, def) => { sel.replaceChildren(...items.map((x) => el("option", { value: x, text: x }))); if (def) sel.value = def; };
    fill($("protocol"), o.protocols, "bridge");
    fill($("montage"), o.montages, "bridge6");
    fill($("device"), o.devices, o.default_device);
    $("port").replaceChildren(el("option", { value: "", text: "(emulated: none)" }),
      ...o.ports.map((p) => el("option", { value: p.port, text: p.port + " — " + (p.description || p.kind) })));
    $("short").checked = !!o.short;
    $("resume-list").replaceChildren(...(o.resumable.length ? o.resumable.map((r) =>
      el("li", {}, el("span", { text: r.path + " (" + r.status + ") " }),
        el("button", { type: "button", class: "resume", "data-path": r.path, text: "Resume",
          onclick: () => send({ cmd: "start", resume: r.path }) }))) : [el("li", { text: "none" })]));
  }
  $("identify").addEventListener("click", async () => {
    const port = $("port").value; if (!port) return;
    $("identify-out").textContent = "probing…";
    const r = await (await fetch("/api/identify?port=" + encodeURIComponent(port))).json();
    $("identify-out").textContent = r.error || (r.kind + " " + r.detail);
  });
  $("setup-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = ev.target;
    if (!f.reportValidity()) return;
    send({ cmd: "start", pseudonym: $("pseudonym").value.trim(), label: $("label").value,
      protocol: $("protocol").value, short: $("short").checked, montage: $("montage").value,
      device: $("device").value, port: $("port").value, fs: $("fs").value ? Number($("fs").value) : null,
      auto: $("auto").checked });
  });
  $("begin").addEventListener("click", () => send({ cmd: "begin" }));

  // ------------------------------------------------------------------ state
  let lastScreen = null, lastCue = null;
  function onState(st) {
    app.state = st;
    const err = $("error"); err.hidden = !st.error; err.textContent = st.error || "";
    if (st.screen !== lastScreen) { lastScreen = st.screen; app.userView = false; show(st.screen === "setup" ? "setup" : st.screen); }
    if (st.acq) $("status").textContent = `${st.pseudonym || ""} ${st.label ? "(" + st.label + ") " : ""}· ${st.device || ""} · ${st.acq.samples} samples · lost ${st.acq.lost}`;
    const live = st.live;
    if (live && live.names && live.names.join() !== app.names.join()) setupChannels(live.names, live.muscles);
    if (live) { renderQuality(live.quality); renderMvc(live); renderOnsets(live.onsets); }
    renderProtocol(st);
    renderEnd(st);
  }

  function renderProtocol(st) {
    const t = st.trial;
    $("trial-pos").textContent = t ? `Trial ${st.index} of ${st.total}` : "";
    $("trial-title").textContent = t ? describe(t) : (st.message || "");
    $("trial-position").textContent = t && t.position ? "Position: " + t.position : "";
    $("trial-instructions").textContent = t ? t.instructions || "" : "";
    const waiting = st.waiting || "";
    document.body.dataset.waiting = waiting;
    const cue = waiting === "intro" ? "READY?" : (st.cue || "");
    $("cue").dataset.cue = st.cue || "";
    $("cue-text").textContent = cue;
    $("remaining").textContent = st.cue && st.remaining > 0 ? Math.ceil(st.remaining) + " s" : "";
    $("go").disabled = waiting !== "intro"; $("skip").disabled = waiting !== "intro";
    // repeat: at the instructions the previous trial, during a trial (or its rest) this one
    $("repeat").disabled = !(st.screen === "protocol" && (waiting === "intro" || waiting === ""));
    $("repeat-text").textContent = waiting === "intro" ? "Repeat previous trial" : "Restart this trial";
    $("pain-box").hidden = waiting !== "pain";
    $("felt-box").hidden = waiting !== "felt";
    $("auto-toggle").checked = !!st.auto;
    if (st.cue !== lastCue) { lastCue = st.cue; if (st.cue && $("tones").checked) beep(st.cue); }
    $("markers").replaceChildren(...(st.markers || []).map((m) =>
      el("li", { "data-label": m.label, "data-sample": m.sample, text: `${m.label}${m.value ? " " + m.value : ""} ${m.trial || ""} @ ${m.sample}` })));
  }
  function describe(t) {
    const bits = [pretty(t.task)];
    if (t.muscle) bits.push(pretty(t.muscle));
    if (t.side !== "both") bits.push(t.side + " side");
    if (t.cue && t.cue !== "standard") bits.push("cue: " + pretty(t.cue));
    if (t.task !== "rest") bits.push(`${t.reps} rep(s)` + (t.sets > 1 ? ` × ${t.sets} sets` : "") + `, hold ${t.hold_s} s`);
    else bits.push(`${t.hold_s} s`);
    return bits.join(", ");
  }
  function renderEnd(st) {
    $("end-message").textContent = st.message || "";
    const r = st.result; const dl = $("end-summary");
    dl.replaceChildren();
    if (r) for (const k of ["status", "done", "skipped", "remaining", "merged"])
      dl.append(el("dt", { text: k }), el("dd", { text: Array.isArray(r[k]) ? r[k].join(", ") || "–" : String(r[k] ?? "–") }));
    const a = $("report-link");
    if (st.report) { a.href = "/files/" + st.report.split("/").map(encodeURIComponent).join("/"); a.hidden = false; }
    else a.hidden = true;
  }

  // ------------------------------------------------------------------ protocol controls
  $("go").addEventListener("click", () => send({ cmd: "go" }));
  $("skip").addEventListener("click", () => send({ cmd: "skip" }));
  $("repeat").addEventListener("click", () => send({ cmd: "repeat" }));
  $("stop").addEventListener("click", () => { if (confirm("Stop the session? It can be resumed later.")) send({ cmd: "stop" }); });
  $("mark").addEventListener("click", () => send({ cmd: "mark" }));
  $("auto-toggle").addEventListener("change", (e) => send({ cmd: "pause", value: !e.target.checked }));
  for (let i = 0; i <= 10; i++)
    $("pain-buttons").append(el("button", { "data-pain": String(i), text: String(i), onclick: () => send({ cmd: "pain", value: i }) }));
  function sendFelt() {
    const v = [...document.querySelectorAll("#felt-box input:checked")].map((c) => c.value);
    send({ cmd: "felt", value: v.length ? v : ["none"] });
    document.querySelectorAll("#felt-box input").forEach((c) => (c.checked = false));
  }
  $("felt-send").addEventListener("click", sendFelt);
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    const w = document.body.dataset.waiting;
    if (w === "pain" && /^[0-9]$/.test(e.key)) send({ cmd: "pain", value: Number(e.key) });
    else if (w === "pain" && e.key.toLowerCase() === "t") send({ cmd: "pain", value: 10 });
    else if (w === "felt" && e.key === "Enter") sendFelt();
    else if (w === "intro" && (e.key === " " || e.key === "Enter")) { e.preventDefault(); send({ cmd: "go" }); }
    else if (w === "intro" && e.key.toLowerCase() === "s") send({ cmd: "skip" });
    else if ((w === "intro" || !w) && e.key.toLowerCase() === "r") $("repeat").click();
    else if (e.key.toLowerCase() === "p") send({ cmd: "pause", value: !!(app.state && app.state.auto) });
    else if (e.key.toLowerCase() === "m") send({ cmd: "mark" });
    else if (e.key.toLowerCase() === "q") $("stop").click();
  });

  // ------------------------------------------------------------------ audio
  let actx = null;
  function audio() { if (!actx) actx = new (window.AudioContext || window.webkitAudioContext)(); if (actx.state === "suspended") actx.resume(); return actx; }
  function beep(cue) {
    const f = { LIFT: 660, PUSH: 660, HOLD: 880, DOWN: 440, RELAX: 440 }[cue]; if (!f) return;
    const a = audio(), o = a.createOscillator(), g = a.createGain();
    o.frequency.value = f; g.gain.value = 0.15; o.connect(g).connect(a.destination);
    o.start(); o.stop(a.currentTime + 0.15);
  }
  ["tones", "bio-sound"].forEach((id) => $(id).addEventListener("change", () => audio()));

  // ------------------------------------------------------------------ live data
  const charts = { check: [], live: [], mini: null };
  function groups() {
    // one chart per muscle, left against right (channels without a muscle get their own)
    const g = new Map();
    app.names.forEach((n, i) => { const m = (app.muscles[i] || [])[0] || n; if (!g.has(m)) g.set(m, []); g.get(m).push(i); });
    return [...g.entries()];
  }
  function chartWidth() { return Math.max(300, Math.min(1150, document.querySelector("main").clientWidth - 60)); }
  window.addEventListener("resize", () => charts.live.forEach((c) => c.setSize({ width: chartWidth(), height: 190 })));
  function setupChannels(names, muscles) {
    app.names = names; app.muscles = muscles || [];
    app.t = []; app.env = names.map(() => []); app.raw = names.map(() => []);
    charts.check.forEach((c) => c.destroy()); charts.live.forEach((c) => c.destroy());
    charts.check = []; charts.live = [];
    const grid = $("check-grid"); grid.replaceChildren();
    names.forEach((n, i) => {
      const plot = el("div", { class: "trace" });
      grid.append(el("div", { class: "ch-card", "data-channel": n },
        el("div", { class: "ch-head" }, el("span", { class: "light", "data-light": "" }), el("span", { text: n })),
        plot, el("div", { class: "nums" }), el("div", { class: "advice" })));
      charts.check.push(new uPlot({ width: 340, height: 90, legend: { show: false }, cursor: { show: false },
        scales: { x: { time: false } }, axes: [{ show: false }, { size: 50 }],
        series: [{}, { stroke: "#0b63c5", width: 1 }] }, [[], []], plot));
    });
    const lc = $("live-charts"); lc.replaceChildren();
    for (const [m, idx] of groups()) {
      const box = el("div", { class: "chart-card" }); lc.append(box);
      const colors = ["#0b63c5", "#d9480f", "#2b8a3e", "#862e9c"];
      charts.live.push(Object.assign(new uPlot({ width: chartWidth(), height: 190, title: pretty(m), legend: { live: false },
        scales: { x: { time: false } }, cursor: { show: false },
        series: [{ label: "s" }, ...idx.map((i, k) => ({ label: names[i], stroke: colors[k % 4], width: 1.5 }))],
        axes: [{ label: "s" }, { label: "µV", size: 55, space: 20 }] }, [[], ...idx.map(() => [])], box), { idx }));
    }
    const mini = $("mini-live"); mini.replaceChildren();
    if (charts.mini) charts.mini.destroy();
    const palette = ["#0b63c5", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#1098ad", "#5c940d", "#c2255c"];
    charts.mini = new uPlot({ width: chartWidth(), height: 170, legend: { live: false }, cursor: { show: false },
      scales: { x: { time: false } }, axes: [{}, { label: "µV", size: 55, space: 20 }],
      series: [{ label: "s" }, ...names.map((n, i) => ({ label: n, stroke: palette[i % 8], width: 1.2 }))] },
      [[], ...names.map(() => [])], mini);
    fillBioChannels();
  }
  function onEnv(m) {
    if (!app.names.length) return;
    for (let k = 0; k < m.t.length; k++) {
      app.t.push(m.t[k]);
      for (let c = 0; c < app.names.length; c++) { app.env[c].push(m.env[k][c]); app.raw[c].push(m.raw[k][c]); }
    }
    const tmax = app.t[app.t.length - 1]; let cut = 0;
    while (cut < app.t.length && app.t[cut] < tmax - WINDOW_S) cut++;
    if (cut) { app.t.splice(0, cut); app.env.forEach((a) => a.splice(0, cut)); app.raw.forEach((a) => a.splice(0, cut)); }
    if (m.arrival) app.pending.push([m.arrival, m.sent, m.recv, m.byte]);
    app.dirty = true;
    bioUpdate(m);
  }
  // frame gaps (ms between animation frames): a page that is not scheduled shows here
  app.gaps = []; let lastFrame = 0;
  function draw(ts) {
    app.frames++;
    if (lastFrame) { app.gaps.push(ts - lastFrame); if (app.gaps.length > 20000) app.gaps.splice(0, 10000); }
    lastFrame = ts;
    if (app.dirty && app.t.length) {
      app.dirty = false;
      if (app.view === "check") {
        const n = Math.min(app.t.length, 100);
        const ts = app.t.slice(-n);
        charts.check.forEach((c, i) => c.setData([ts, app.raw[i].slice(-n)]));
      } else if (app.view === "live") {
        charts.live.forEach((c) => c.setData([app.t, ...c.idx.map((i) => app.env[i])]));
      } else if (app.view === "protocol" && charts.mini) {
        charts.mini.setData([app.t, ...app.env]);
      }
      // latency of every message drawn in this frame: feed arrival -> drawn (after setData),
      // split into server (arrival -> sent), transport (sent -> onmessage), page (-> drawn)
      const drawn = wallNow();
      // with byte-arrival stamps (a diagnostic mode of the server): the raw times
      // [byte read, feed, sent, onmessage, drawn] of each drawn message, in stamps
      for (const [a, s, r, b] of app.pending) {
        app.lat.push(drawn - a); app.latParts.push([s - a, r - s, drawn - r]);
        if (b) app.stamps.push([b, a, s, r, drawn]);
      }
      app.pending.length = 0;
      if (app.lat.length > 20000) { app.lat.splice(0, 10000); app.latParts.splice(0, 10000); }
      if (app.stamps.length > 20000) app.stamps.splice(0, 10000);
    }
    requestAnimationFrame(draw);
  }
  requestAnimationFrame(draw);

  function renderQuality(q) {
    (q || []).forEach((c) => {
      const card = document.querySelector(`.ch-card[data-channel="${CSS.escape(c.name)}"]`); if (!card) return;
      card.querySelector(".light").dataset.light = c.light;
      card.querySelector(".advice").textContent = c.advice.join("; ");
      card.querySelector(".nums").textContent = `RMS ${c.rms_uv} µV · resting floor ${c.noise_floor_uv} µV · mains ${c.mains_uv} µV`;
    });
  }
  function pctMvc(live, name) {
    const i = app.names.indexOf(name); const ref = live.mvc[name];
    if (i < 0 || !ref || !app.env[i].length) return null;
    return (100 * app.env[i][app.env[i].length - 1]) / ref;
  }
  function renderMvc(live) {
    const box = $("mvc-bars"); box.replaceChildren(); box.className = "bars";
    const have = Object.keys(live.mvc || {});
    $("mvc-note").textContent = have.length ? "(reference: largest 1 s mean envelope in each MVC hold, recorded live)" : "(appears once the MVC trials are done)";
    for (const n of have) {
      const p = pctMvc(live, n) ?? 0;
      box.append(el("span", { text: n }), el("div", { class: "bar" }, el("div", { style: `width:${Math.min(100, p).toFixed(0)}%` })), el("span", { text: p.toFixed(0) + " %" }));
    }
    const r = $("ratio"); r.replaceChildren();
    for (const side of ["left", "right"]) {
      const g = app.names.find((n, i) => (app.muscles[i] || [])[0] === "glute_max" && app.muscles[i][1] === side);
      const h = app.names.find((n, i) => (app.muscles[i] || [])[0] === "hamstrings" && app.muscles[i][1] === side);
      const hm = live.hold_mean || {};
      let txt = "–";
      const tr = app.state && app.state.trial;  // a single-leg bridge: the working leg only
      if (tr && (tr.side === "left" || tr.side === "right") && tr.side !== side) txt = "– (not the working leg)";
      else if (g && h && hm[g] != null && live.mvc[g] && live.mvc[h]) txt = ((hm[g] / live.mvc[g]) / (hm[h] / live.mvc[h])).toFixed(2) + " (%MVC / %MVC, mean of this hold)";
      else if (g && h && hm[g] != null) txt = "needs the MVCs of both muscles";
      r.append(el("div", { "data-side": side, text: side + ": " + txt }));
    }
  }
  function renderOnsets(list) {
    $("onsets").replaceChildren(...(list || []).slice().reverse().map((o) =>
      el("li", { text: `${o.trial} ${o.side}: ` + (o.first ? (o.first === "together" ? "together" : pretty(o.first) + " first by " + o.lead_ms + " ms") : "no clear onset") })));
    const last = (list || [])[list.length - 1];
    if (last && $("bio-glute-first").checked) {
      const gf = $("bio-gf"); gf.hidden = false;
      gf.textContent = last.first === "glute_max" ? "Training target met: glute max switched on first" : "Training target: try to switch the glute on first (hamstrings first is normal)";
    }
  }

  // ------------------------------------------------------------------ biofeedback
  const bio = { inband: false, since: null, reps: 0, counted: false, osc: null, gain: null };
  function fillBioChannels() {
    const sel = $("bio-ch"); const cur = sel.value;
    sel.replaceChildren(...app.names.map((n) => el("option", { value: n, text: pretty(n) })));
    if (cur && app.names.includes(cur)) sel.value = cur;
    syncRef();
  }
  function syncRef() {
    const live = app.state && app.state.live; const n = $("bio-ch").value;
    const ref = live && live.mvc && live.mvc[n];
    if (ref && !$("bio-ref").dataset.manual) { $("bio-ref").value = ref.toFixed(1); $("bio-ref-src").textContent = "from the MVC just recorded"; }
    else if (!ref && !$("bio-ref").value) $("bio-ref-src").textContent = "no MVC recorded yet: enter a reference";
  }
  $("bio-ch").addEventListener("change", () => { delete $("bio-ref").dataset.manual; syncRef(); });
  $("bio-ref").addEventListener("input", () => { $("bio-ref").dataset.manual = "1"; $("bio-ref-src").textContent = "entered by hand"; });
  $("bio-glute-first").addEventListener("change", (e) => { $("bio-gf-note").hidden = !e.target.checked; $("bio-gf").hidden = !e.target.checked; });
  function tone(on) {
    const want = on && $("bio-sound").checked;
    if (want && !bio.osc) {
      const a = audio(); bio.osc = a.createOscillator(); bio.gain = a.createGain();
      bio.osc.frequency.value = 520; bio.gain.gain.value = 0.12; bio.osc.connect(bio.gain).connect(a.destination); bio.osc.start();
    } else if (!want && bio.osc) { bio.osc.stop(); bio.osc.disconnect(); bio.osc = null; }
    const t = $("bio-tone"); t.dataset.tone = want ? "on" : "off"; t.textContent = want ? "tone on" : "tone off";
  }
  function bioUpdate(m) {
    if (app.view !== "bio") { if (bio.osc) tone(false); return; }
    syncRef();
    const i = app.names.indexOf($("bio-ch").value); const ref = Number($("bio-ref").value);
    if (i < 0 || !(ref > 0) || !app.env[i].length) return;
    const lo = Number($("bio-lo").value), hi = Number($("bio-hi").value);
    const pct = (100 * app.env[i][app.env[i].length - 1]) / ref;
    const top = Math.max(hi * 1.5, 100);
    $("bio-band").style.bottom = (100 * lo / top) + "%"; $("bio-band").style.height = (100 * (hi - lo) / top) + "%";
    $("bio-bar").style.height = Math.min(100, 100 * pct / top) + "%";
    const inband = pct >= lo && pct <= hi;
    $("bio-meter").dataset.inband = inband ? "yes" : (pct > hi ? "above" : "no");
    $("bio-level").textContent = pct.toFixed(0); $("bio-level").dataset.level = pct.toFixed(2);
    const t = m.t[m.t.length - 1];
    if (inband && !bio.inband) { bio.since = t; bio.counted = false; }
    bio.inband = inband;
    const held = inband ? t - bio.since : 0;
    $("bio-timer").textContent = held.toFixed(1);
    if (inband && !bio.counted && held >= Number($("bio-hold-target").value)) { bio.reps++; bio.counted = true; $("bio-reps").textContent = bio.reps; }
    tone(inband);
  }

  // ------------------------------------------------------------------ patient page
  async function patient(id) {
    const r = await (await fetch("/api/patient/" + encodeURIComponent(id))).json();
    const tb = document.querySelector("#patient-sessions tbody");
    tb.replaceChildren(...(r.sessions || []).map((s) => el("tr", {}, el("td", { text: s.folder }), el("td", { text: s.status }),
      el("td", {}, s.report ? el("a", { href: "/files/" + s.report.split("/").map(encodeURIComponent).join("/"), target: "_blank", text: "report" }) : ""))));
    $("trend-note").textContent = r.error || r.trend_note || "";
    const tr = $("trend");
    tr.tHead.replaceChildren(); tr.tBodies[0].replaceChildren();
    if (r.trend) {
      tr.tHead.append(el("tr", {}, ...r.trend.columns.map((c) => el("th", { text: c }))));
      tr.tBodies[0].append(...r.trend.rows.map((row) => el("tr", {}, ...row.map((v) => el("td", { text: v ?? "–" })))));
    }
  }
  $("patient-form").addEventListener("submit", (e) => { e.preventDefault(); patient($("patient-id").value.trim()); });
  $("to-patient").addEventListener("click", () => { const p = app.state && app.state.pseudonym; show("patient", true); if (p) { $("patient-id").value = p; patient(p); } });

  loadOptions();
  connect();
  show("setup");
})();
