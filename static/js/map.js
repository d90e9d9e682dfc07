// The map (一张图): the user's grid boundaries filled by a KPI, and the buildings coloured by
// their category, over a configurable basemap (none, raster tiles or a PMTiles file).
// Everything comes from the page's #map-config (json_script) and from the portal's API, which
// answers only what the user may see. The map is kept on window.gridportalMap.

const config = JSON.parse(document.getElementById("map-config").textContent);
const words = config.words;
const container = document.getElementById("map");
const statusLine = document.getElementById("map-status");
const noteLine = document.getElementById("map-note");

const NO_DATA = "#ced4da";
// Colour steps of each KPI: [lowest value of the step, colour, legend label].
const KPI_STEPS = {
  open: [[0, "#f1f3f5", "0"], [1, "#ffe8a1", "1–2"], [3, "#ffc078", "3–5"],
         [6, "#fd7e14", "6–10"], [11, "#d9480f", "≥ 11"]],
  overdue: [[0, "#f1f3f5", "0"], [1, "#ffc9c9", "1"], [2, "#ff8787", "2–4"],
            [5, "#f03e3e", "5–9"], [10, "#a51111", "≥ 10"]],
  // In percent, as the API gives it.
  closure_rate: [[0, "#e03131", "< 50%"], [50, "#fab005", "50–80%"],
                 [80, "#94d82d", "80–95%"], [95, "#2f9e44", "≥ 95%"]],
};
const LAYERS = {
  grids: ["grid-fill", "grid-line"],
  buildings: ["building-points"],
};

function say(text) {
  statusLine.textContent = text;
  statusLine.classList.remove("d-none");
}

function note(text) {
  noteLine.textContent = text || "";
  noteLine.classList.toggle("d-none", !text);
}

async function fetchJson(url, signal) {
  const response = await fetch(url, {credentials: "same-origin", signal});
  if (!response.ok) {
    throw new Error(`${url} answered ${response.status}`);
  }
  return response.json();
}

function kpiColour(kpi) {
  const steps = KPI_STEPS[kpi];
  const step = ["step", ["get", kpi], steps[0][1]];
  for (const [lowest, colour] of steps.slice(1)) {
    step.push(lowest, colour);
  }
  return ["case", ["==", ["typeof", ["get", kpi]], "number"], step, NO_DATA];
}

function showLegend(kpi) {
  const legend = document.getElementById("map-legend-grids");
  const rows = [...KPI_STEPS[kpi].map(([, colour, label]) => [colour, label]),
                [NO_DATA, words.noData]];
  legend.replaceChildren(...rows.map(([colour, label]) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "map-swatch";
    swatch.style.backgroundColor = colour;
    item.append(swatch, label);
    return item;
  }));
}

function buildingColour() {
  // A building's `colour` is its category; a colour written out ("#rrggbb") is taken as it is.
  const match = ["match", ["get", "colour"]];
  for (const category of config.palette) {
    match.push(category.key, category.colour);
  }
  match.push(["to-string", ["get", "colour"]]);
  return ["case", ["has", "colour"], match, NO_DATA];
}

async function pmtilesSource(maplibregl, address) {
  const pmtiles = window.pmtiles;
  const protocol = new pmtiles.Protocol();
  maplibregl.addProtocol("pmtiles", protocol.tile);
  const archive = new pmtiles.PMTiles(new URL(address, window.location.href).href);
  protocol.add(archive);
  const header = await archive.getHeader();
  // The protocol's TileJSON leaves out the archive's credit: it is taken from the metadata.
  const metadata = await archive.getMetadata();
  const url = `pmtiles://${archive.source.getKey()}`;
  const attribution = metadata.attribution || "";
  if (header.tileType !== pmtiles.TileType.Mvt) {
    return {source: {type: "raster", url, tileSize: 256, attribution},
            layers: [{id: "basemap", type: "raster", source: "basemap"}]};
  }
  // Vector tiles without a style of their own: every layer drawn in quiet greys.
  const layers = (metadata.vector_layers || []).flatMap(({id}) => [
    {id: `basemap-${id}-fill`, type: "fill", source: "basemap", "source-layer": id,
     filter: ["==", ["geometry-type"], "Polygon"], paint: {"fill-color": "#dde3ea"}},
    {id: `basemap-${id}-line`, type: "line", source: "basemap", "source-layer": id,
     paint: {"line-color": "#adb5bd", "line-width": 0.6}},
  ]);
  return {source: {type: "vector", url, attribution}, layers};
}

async function baseStyle(maplibregl) {
  const style = {
    version: 8,
    sources: {},
    layers: [{id: "background", type: "background", paint: {"background-color": "#eef1f4"}}],
  };
  const basemap = config.basemap;
  let base = null;
  if (basemap.kind === "tiles") {
    base = {source: {type: "raster", tiles: [basemap.tiles], tileSize: 256,
                     attribution: basemap.attribution || ""},
            layers: [{id: "basemap", type: "raster", source: "basemap"}]};
  } else if (basemap.kind === "pmtiles") {
    base = await pmtilesSource(maplibregl, basemap.pmtiles);
  }
  if (base) {
    style.sources.basemap = base.source;
    style.layers.push(...base.layers);
  }
  return style;
}

function addGridLayers(map, grids, kpi) {
  // Where grids nest, only the lowest are filled, so that each place shows one colour; the
  // grids above them are drawn as outlines (their figures add up their grids').
  const parents = new Set(grids.features.map((feature) => feature.properties.parent));
  for (const feature of grids.features) {
    feature.properties.lowest = !parents.has(feature.properties.id);
  }
  map.addSource("grids", {type: "geojson", data: grids});
  map.addLayer({id: "grid-fill", type: "fill", source: "grids", filter: ["get", "lowest"],
                paint: {"fill-color": kpiColour(kpi), "fill-opacity": 0.55}});
  map.addLayer({id: "grid-line", type: "line", source: "grids",
                paint: {"line-color": "#1f3b57",
                        "line-width": ["match", ["get", "kind"], "grid5", 1.2, 2.2]}});
}

function fitToFeatures(maplibregl, map, features) {
  const bounds = new maplibregl.LngLatBounds();
  const extend = (coordinates) => {
    if (typeof coordinates[0] === "number") {
      bounds.extend(coordinates);
    } else {
      coordinates.forEach(extend);
    }
  };
  features.forEach((feature) => extend(feature.geometry.coordinates));
  map.fitBounds(bounds, {padding: 32, animate: false, maxZoom: 18});
}

function showBuildings(map) {
  map.addSource("buildings", {type: "geojson", data: {type: "FeatureCollection", features: []}});
  map.addLayer({id: "building-points", type: "circle", source: "buildings",
                paint: {"circle-color": buildingColour(), "circle-radius": 6,
                        "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5}});
  let pending = null;
  const load = async () => {
    pending?.abort();
    pending = new AbortController();
    const bbox = map.getBounds().toArray().flat().map((value) => value.toFixed(6)).join(",");
    try {
      const buildings = await fetchJson(`${config.buildings}&bbox=${bbox}`, pending.signal);
      map.getSource("buildings").setData(buildings);
      // The answer stops at a limit: more buildings lie in view than it carries.
      note(buildings.truncated ? words.buildingsTruncated : null);
    } catch (error) {
      if (error.name !== "AbortError" && !leaving) {
        say(words.loadFailed);
        console.error(error);
      }
    }
  };
  map.on("moveend", load);
  return load();
}

function popupFor(feature) {
  const content = document.createElement("div");
  content.className = "map-popup";
  const title = document.createElement("strong");
  title.textContent = feature.properties.name;
  const facts = document.createElement("dl");
  facts.className = "mb-0 mt-1";
  for (const kpi of Object.keys(KPI_STEPS)) {
    const value = feature.properties[kpi];
    const term = document.createElement("dt");
    term.textContent = words[kpi];
    const detail = document.createElement("dd");
    if (typeof value !== "number") {
      detail.textContent = words.noData;
    } else {
      detail.textContent = kpi === "closure_rate" ? `${value.toFixed(1)}%` : value;
    }
    facts.append(term, detail);
  }
  content.append(title, facts);
  return content;
}

function wireControls(maplibregl, map) {
  document.querySelectorAll("input[data-layer]").forEach((toggle) => {
    toggle.addEventListener("change", () => {
      for (const layer of LAYERS[toggle.dataset.layer]) {
        if (map.getLayer(layer)) {
          map.setLayoutProperty(layer, "visibility", toggle.checked ? "visible" : "none");
        }
      }
    });
  });
  document.querySelectorAll("input[name=kpi]").forEach((choice) => {
    choice.addEventListener("change", () => {
      map.setPaintProperty("grid-fill", "fill-color", kpiColour(choice.value));
      showLegend(choice.value);
    });
  });
  map.on("mouseenter", "grid-fill", () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "grid-fill", () => { map.getCanvas().style.cursor = ""; });
  map.on("click", "grid-fill", (event) => {
    new maplibregl.Popup({maxWidth: "16rem"})
      .setLngLat(event.lngLat).setDOMContent(popupFor(event.features[0])).addTo(map);
  });
}

async function start() {
  const maplibregl = await import(config.library);
  maplibregl.setWorkerUrl(new URL(config.worker, window.location.href).href);
  const kpi = document.querySelector("input[name=kpi]:checked").value;
  showLegend(kpi);
  const style = await baseStyle(maplibregl);
  let map;
  try {
    map = new maplibregl.Map({
      container,
      style,
      center: [102.71, 25.04],
      zoom: 11,
      // A basemap credits its source (from the settings, or from the PMTiles metadata).
      attributionControl: config.basemap.kind === "none" ? false : {compact: true},
    });
  } catch (error) {
    say(words.noWebGL);
    throw error;
  }
  window.gridportalMap = map;
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), "top-right");
  await map.once("load");
  const grids = await fetchJson(config.gridNodes);
  addGridLayers(map, grids, kpi);
  if (grids.features.length) {
    fitToFeatures(maplibregl, map, grids.features);
  } else {
    say(words.noBoundaries);
  }
  wireControls(maplibregl, map);
  if (config.buildings) {
    await showBuildings(map);
  }
  container.dataset.state = "ready";
}

// Leaving the page cancels what is still loading: that is no failure to report.
let leaving = false;
window.addEventListener("pagehide", () => { leaving = true; });

start().catch((error) => {
  if (leaving || error.name === "AbortError") {
    return;
  }
  if (statusLine.classList.contains("d-none")) {
    say(words.loadFailed);
  }
  container.dataset.state = "failed";
  console.error(error);
});
