/* The screen's panels: KPI tiles, league table, warnings and dispatch from /screen/state.json,
   and the live feed over Server-Sent Events (the stream ends now and then; EventSource
   reconnects by itself with Last-Event-ID). */
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("screen-config").textContent);
  const S = JSON.parse(document.getElementById("screen-strings").textContent);
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const en = S.lang === "en";
  const FEED_MAX = 40;
  let pending = null;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function show(value) {
    return value === null || value === undefined ? "—" : String(value);
  }

  function kpis(values) {
    for (const node of document.querySelectorAll("[data-kpi]")) {
      node.textContent = show(values[node.dataset.kpi]);
    }
  }

  function league(rows) {
    const body = document.querySelector("#league tbody");
    body.replaceChildren(...rows.map((r) => {
      const tr = el("tr");
      const rate = r.on_time_rate === null ? "—" : Math.round(r.on_time_rate * 100) + "%";
      for (const cell of [en && r.name_en ? r.name_en : r.name, r.handled, rate,
                          show(r.median_hours), show(r.satisfaction), r.overdue]) {
        tr.append(el("td", String(cell)));
      }
      return tr;
    }));
  }

  function list(id, items, render) {
    const node = document.getElementById(id);
    node.replaceChildren(...(items.length ? items.map(render) : [el("li", S.none, "muted")]));
  }

  function spike(w) {
    const li = el("li", w.name + " · " + w.last_24h + " " + S.issues + " (" + S.baseline + " "
                  + w.baseline + " ± " + w.sd + ")", "warn");
    li.addEventListener("click", () => ScreenMap.drill(w.code));
    return li;
  }

  function cluster(c) {
    const li = el("li", c.name + " · " + c.count + " " + S.overdue, "warn");
    li.addEventListener("click", () => ScreenMap.drill(c.code));
    return li;
  }

  function dispatchRow(issue) {
    const li = el("li");
    li.dataset.issue = issue.id;
    const label = "#" + issue.id + " " + (en ? issue.category_name_en : issue.category_name)
      + " · " + (issue.grid_name || "") + " · " + (issue.unrouted ? S.unrouted : S.overdue);
    const select = el("select");
    for (const d of config.departments) {
      const option = el("option", en && d.name_en ? d.name_en : d.name);
      option.value = d.code;
      option.selected = d.code === issue.department;
      select.append(option);
    }
    const button = el("button", S.send);
    button.addEventListener("click", () => dispatch(issue.id, select.value, button));
    li.append(el("span", label), select, button);
    return li;
  }

  async function dispatch(issueId, department, button) {
    button.disabled = true;
    const body = new URLSearchParams({issue_id: issueId, department: department});
    const answer = await fetch(config.dispatch, {method: "POST", body: body,
                                                 headers: {"X-CSRF-Token": csrf}});
    if (!answer.ok) {
      button.disabled = false;
      button.title = (await answer.json()).detail || answer.statusText;
    }
    refresh();
  }

  async function refresh() {
    const state = await (await fetch(config.state)).json();
    kpis(state.kpis);
    league(state.league);
    list("spikes", state.spikes, spike);
    list("clusters", state.clusters, cluster);
    list("dispatch", state.dispatchable, dispatchRow);
    document.body.dataset.stateAt = state.at;
  }

  function soon() {  // many events in a burst: one refresh
    clearTimeout(pending);
    pending = setTimeout(() => { refresh(); ScreenMap.refresh(); }, 800);
  }

  function feedLine(kind, data) {
    let text = S[kind];
    if (data.issue_id) {
      text += " #" + data.issue_id + " " + (en ? data.category_name_en : data.category_name)
        + " · " + (data.grid_name || "");
    }
    if (kind === "merge") text += " ×" + data.report_count;
    if (kind === "sla_breach") text += " (" + S[data.sla] + ")";
    if (kind === "dead_letter_spike") text += " · " + data.count + " " + S.dead_letters;
    const li = el("li", text, "ev ev-" + kind);
    li.dataset.issue = data.issue_id || "";
    if (data.grid_code) li.addEventListener("click", () => ScreenMap.drill(data.grid_code));
    const feed = document.getElementById("feed");
    feed.prepend(li);
    while (feed.children.length > FEED_MAX) feed.lastChild.remove();
  }

  function listen() {
    // The feed has a process of its own: on this host at config.feedPort, or on this origin
    // (a proxy in front routes it); across ports it needs the sign-in cookie sent along.
    const url = config.feedPort
      ? `${location.protocol}//${location.hostname}:${config.feedPort}${config.feed}`
      : config.feed;
    const source = new EventSource(url, {withCredentials: Boolean(config.feedPort)});
    for (const kind of ["new_issue", "merge", "dispatch", "sla_breach", "dead_letter_spike"]) {
      source.addEventListener(kind, (e) => { feedLine(kind, JSON.parse(e.data)); soon(); });
    }
  }

  ScreenMap.init(config, S).then(() => ScreenMap.refresh());
  refresh();
  listen();
  setInterval(refresh, 30000);
})();
