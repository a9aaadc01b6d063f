/* The screen's map: grids as vector tiles coloured by open issues, the current area's children
   as outlines to drill into, breadcrumbs, and switchable record layers (vector tiles too). */
"use strict";
window.ScreenMap = (function () {
  const SHADES = ["#e7f5ff", "#ffe066", "#ffa94d", "#ff6b6b", "#c92a2a"];
  const BANDS = ["0", "1", "2–3", "4–7", "8+"];  // what shade() gives each colour
  let map, grids, children, config, counts = {}, current = null;

  function shade(n) {
    if (!n) return SHADES[0];
    return SHADES[Math.min(SHADES.length - 1, Math.ceil(Math.log2(n + 1)))];
  }

  function gridStyle(props) {
    const n = counts[props.code] || 0;
    return {fill: true, fillColor: shade(n), fillOpacity: n ? 0.75 : 0.25, color: "#4dabf7",
            weight: 0.6};
  }

  function init(cfg, strings) {
    config = cfg;
    map = L.map("map");
    if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, {attribution: "OneGrid base map"}).addTo(map);
    grids = L.vectorGrid.protobuf(cfg.tiles + "/area.grid/{z}/{x}/{y}.mvt", {
      vectorTileLayerStyles: {"area.grid": gridStyle}, interactive: true,
      getFeatureId: (f) => f.properties.code, maxNativeZoom: 18,
    }).on("click", (e) => drill(e.layer.properties.code)).addTo(map);
    const overlays = {};
    overlays[strings.grids] = grids;
    legend(strings.grids).addTo(map);
    recordLayers(cfg).then((layers) => {
      Object.assign(overlays, layers);
      L.control.layers(null, overlays, {collapsed: false}).addTo(map);
    });
    return drill(null);
  }

  function legend(title) {
    const control = L.control({position: "bottomleft"});
    control.onAdd = () => {
      const box = L.DomUtil.create("div", "legend");
      box.append(Object.assign(document.createElement("strong"), {textContent: title}));
      SHADES.forEach((colour, i) => {
        const row = document.createElement("div");
        const swatch = Object.assign(document.createElement("i"), {className: "swatch"});
        swatch.style.background = colour;
        row.append(swatch, BANDS[i]);
        box.append(row);
      });
      return box;
    };
    return control;
  }

  async function recordLayers(cfg) {
    const layers = {};
    const answer = await fetch(cfg.tiles);
    if (!answer.ok) return layers;
    for (const name of (await answer.json()).layers) {
      if (!name.startsWith("record.")) continue;
      const id = name.slice("record.".length), style = {};
      style[name] = {radius: 3, fill: true, fillOpacity: 0.8, weight: 1, color: "#7048e8"};
      layers[cfg.datasets[id] || id] = L.vectorGrid.protobuf(
        cfg.tiles + "/" + name + "/{z}/{x}/{y}.mvt", {vectorTileLayerStyles: style});
    }
    return layers;
  }

  let drills = 0;
  async function drill(code, keepView) {
    // A refresh re-drawing the current area must not undo a drill the operator made meanwhile:
    // only the latest drill's answer is drawn.
    const ticket = ++drills;
    const url = config.area + (code ? "?code=" + encodeURIComponent(code) : "");
    const view = await (await fetch(url)).json();
    if (ticket !== drills) return current;
    current = view;
    if (children) children.remove();
    children = L.geoJSON(view.children, {
      style: {color: "#1864ab", weight: 2, fill: true, fillOpacity: 0},
      onEachFeature: (f, layer) => {
        layer.bindTooltip(f.properties.name + " · " + f.properties.open);
        layer.on("click", () => drill(f.properties.code));
      },
    }).addTo(map);
    if (!keepView) map.fitBounds(view.bounds);
    crumbs(view.breadcrumbs);
    return view;
  }

  function crumbs(items) {
    const nav = document.getElementById("crumbs");
    nav.replaceChildren(...items.map((item, i) => {
      const link = document.createElement(i === items.length - 1 ? "strong" : "a");
      link.textContent = item.name;
      link.dataset.code = item.code;
      if (link.tagName === "A") {
        link.href = "#";
        link.addEventListener("click", (e) => { e.preventDefault(); drill(item.code); });
      }
      return link;
    }));
  }

  async function refresh() {
    counts = await (await fetch(config.openGrids)).json();
    grids.redraw();
    if (current) drill(current.code, true);
  }

  return {init: init, drill: drill, refresh: refresh, current: () => current};
})();
