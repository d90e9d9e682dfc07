// The map (一张图): the user's grid boundaries filled by a KPI, the buildings coloured by their
// category, the service points, the open tickets (clustered) and a heat map of tickets, over a
// configurable basemap (none, raster tiles or a PMTiles file); "我在哪个网格" from the browser's
// geolocation.
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
  servicePoints: ["service-points"],
  tickets: ["ticket-points"],
  heat: ["ticket-heat"],
};
// What else a layer does when it is switched on or off (keyed like LAYERS).
const ON_TOGGLE = {};
const EMPTY = {type: "FeatureCollection", features: []};
// Cells across the view: the open tickets in at most 17 x 17 features, the heat map finer.
const TICKET_CELLS = 16;
const HEAT_CELLS = 64;

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

function viewBox(map) {
  return map.getBounds().toArray().flat().map((value) => value.toFixed(6)).join(",");
}

function reportFailure(error) {
  if (error.name !== "AbortError" && !leaving) {
    say(words.loadFailed);
    console.error(error);
  }
}

// Loads `address(map)` into the source `name` on every move while `active()`; the latest wins.
function followView(map, name, address, active, loaded = () => {}) {
  let pending = null;
  const load = async () => {
    if (!active()) {
      return;
    }
    pending?.abort();
    pending = new AbortController();
    try {
      const data = await fetchJson(address(map), pending.signal);
      map.getSource(name).setData(data);
      loaded(data);
    } catch (error) {
      reportFailure(error);
    }
  };
  map.on("moveend", load);
  return load;
}

function servicePointPopup(feature) {
  const content = document.createElement("div");
  content.className = "map-popup";
  const title = document.createElement("strong");
  title.textContent = feature.properties.name;
  const state = document.createElement("p");
  state.className = "mb-0 mt-1";
  state.textContent = feature.properties.open_now ? words.openNow : words.closedNow;
  content.append(title, state);
  if (feature.properties.address) {
    const address = document.createElement("p");
    address.className = "mb-0 small text-body-secondary";
    address.textContent = feature.properties.address;
    content.append(address);
  }
  return content;
}

async function showServicePoints(maplibregl, map) {
  const points = await fetchJson(config.servicePoints);
  map.addSource("service-points", {type: "geojson", data: points});
  map.addLayer({id: "service-points", type: "circle", source: "service-points",
                paint: {"circle-color": ["case", ["get", "open_now"], "#2f9e44", "#868e96"],
                        "circle-radius": 8, "circle-stroke-color": "#ffffff",
                        "circle-stroke-width": 2}});
  map.on("click", "service-points", (event) => {
    new maplibregl.Popup({maxWidth: "16rem"})
      .setLngLat(event.features[0].geometry.coordinates)
      .setDOMContent(servicePointPopup(event.features[0])).addTo(map);
  });
}

function ticketPopup(feature) {
  const {ticket, reference, title} = feature.properties;
  const content = document.createElement("div");
  content.className = "map-popup";
  const heading = document.createElement("strong");
  heading.textContent = title;
  const number = document.createElement("p");
  number.className = "mb-1 small font-monospace";
  number.textContent = reference;
  const link = document.createElement("a");
  link.href = config.ticketPage.replace(/0\/$/, `${ticket}/`);
  link.textContent = words.openTicket;
  content.append(heading, number, link);
  return content;
}

function clusterMarker(maplibregl, map, feature) {
  const {count, overdue} = feature.properties;
  const element = document.createElement("button");
  element.type = "button";
  element.className = overdue ? "map-cluster map-cluster-overdue" : "map-cluster";
  element.textContent = count;
  element.title = overdue ? `${count} ${words.ticketsInCell}, ${overdue} ${words.overdueInCell}`
    : `${count} ${words.ticketsInCell}`;
  element.setAttribute("aria-label", element.title);
  const [lon, lat] = feature.geometry.coordinates;
  element.addEventListener("click", (event) => {
    event.stopPropagation();
    map.easeTo({center: [lon, lat], zoom: Math.min(map.getZoom() + 2, 19)});
  });
  return new maplibregl.Marker({element}).setLngLat([lon, lat]);
}

function showTickets(maplibregl, map) {
  // A lone ticket is a dot (red when overdue) that opens its popup; a crowd is a marker with
  // its count, red when some are overdue, that zooms in when tapped.
  map.addSource("tickets", {type: "geojson", data: EMPTY});
  map.addLayer({id: "ticket-points", type: "circle", source: "tickets",
                filter: ["==", ["get", "count"], 1],
                paint: {"circle-color": ["case", [">", ["get", "overdue"], 0],
                                         "#e03131", "#1c7ed6"],
                        "circle-radius": 7, "circle-stroke-color": "#ffffff",
                        "circle-stroke-width": 2}});
  const toggle = document.getElementById("layer-tickets");
  let markers = [];
  const placeMarkers = (tickets) => {
    markers.forEach((marker) => marker.remove());
    markers = toggle.checked ? tickets.features.filter((f) => f.properties.count > 1)
      .map((feature) => clusterMarker(maplibregl, map, feature).addTo(map)) : [];
    container.dataset.tickets = tickets.features.length;
  };
  const load = followView(
    map, "tickets",
    () => `${config.tickets}&status=open&cells=${TICKET_CELLS}&bbox=${viewBox(map)}`,
    () => toggle.checked, placeMarkers);
  ON_TOGGLE.tickets = (on) => (on ? load() : placeMarkers(EMPTY));
  map.on("click", "ticket-points", (event) => {
    new maplibregl.Popup({maxWidth: "16rem"})
      .setLngLat(event.features[0].geometry.coordinates)
      .setDOMContent(ticketPopup(event.features[0])).addTo(map);
  });
  return load();
}

function showHeat(map) {
  map.addSource("heat", {type: "geojson", data: EMPTY});
  map.addLayer({id: "ticket-heat", type: "heatmap", source: "heat",
                layout: {visibility: "none"},
                paint: {"heatmap-weight": ["interpolate", ["linear"], ["get", "count"],
                                           0, 0, 10, 1],
                        "heatmap-radius": 24, "heatmap-opacity": 0.75}},
               // Under the boundaries' outlines and the points.
               map.getLayer("grid-line") ? "grid-line" : undefined);
  const toggle = document.getElementById("layer-heat");
  const period = document.getElementById("heat-period");
  const since = () => config.heatSince[period.value];
  const load = followView(
    map, "heat", () => `${config.tickets}&cells=${HEAT_CELLS}&since=${since()}&bbox=${viewBox(map)}`,
    () => toggle.checked, () => { container.dataset.heatSince = since(); });
  ON_TOGGLE.heat = (on) => on && load();
  period.addEventListener("change", load);
}

// The marker of "我在哪个网格", made on the first answer.
let whereIAm = null;

function showWhereIAm(maplibregl, map, position, chain) {
  const line = document.getElementById("map-located");
  const names = chain.map((node) => node.name).reverse();
  tellLocated(names.length ? `${words.youAreIn}${names.join(" › ")}` : words.locateOutside,
              names.length ? "success" : "warning");
  line.dataset.grid = names.length ? chain[0].id : "";
  const point = [position.lon, position.lat];
  if (!whereIAm) {
    const element = document.createElement("div");
    element.className = "map-located-marker";
    whereIAm = new maplibregl.Marker({element});
  }
  whereIAm.setLngLat(point).addTo(map);
  map.flyTo({center: point, zoom: Math.max(map.getZoom(), 16)});
}

function tellLocated(text, kind) {
  const line = document.getElementById("map-located");
  line.textContent = text;
  line.className = `alert alert-${kind} py-2 mb-0`;
}

function wireLocate(maplibregl, map) {
  // Browsers give WGS-84, the API's default system; they give nothing on an insecure page.
  document.getElementById("map-locate").addEventListener("click", () => {
    if (!window.isSecureContext) {
      tellLocated(words.locateInsecure, "warning");
      return;
    }
    if (!("geolocation" in navigator)) {
      tellLocated(words.locateUnavailable, "warning");
      return;
    }
    tellLocated(words.locating, "info");
    navigator.geolocation.getCurrentPosition(async ({coords}) => {
      const query = new URLSearchParams({lat: coords.latitude.toFixed(7),
                                         lon: coords.longitude.toFixed(7), crs: "wgs84"});
      try {
        const answer = await fetchJson(`${config.locate}?${query}`);
        showWhereIAm(maplibregl, map, answer, answer.chain);
      } catch (error) {
        tellLocated(words.loadFailed, "warning");
        console.error(error);
      }
    }, (error) => {
      tellLocated(error.code === error.PERMISSION_DENIED ? words.locateRefused
        : words.locateFailed, "warning");
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});
  });
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
      ON_TOGGLE[toggle.dataset.layer]?.(toggle.checked);
    });
  });
  document.querySelectorAll("input[name=kpi]").forEach((choice) => {
    choice.addEventListener("change", () => {
      map.setPaintProperty("grid-fill", "fill-color", kpiColour(choice.value));
      showLegend(choice.value);
    });
  });
  for (const layer of ["grid-fill", "service-points", "ticket-points"]) {
    map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
  }
  map.on("click", "grid-fill", (event) => {
    // A point on top (a service point, a ticket) answers for itself.
    const onTop = ["service-points", "ticket-points"].filter((layer) => map.getLayer(layer));
    if (onTop.length && map.queryRenderedFeatures(event.point, {layers: onTop}).length) {
      return;
    }
    new maplibregl.Popup({maxWidth: "16rem"})
      .setLngLat(event.lngLat).setDOMContent(popupFor(event.features[0])).addTo(map);
  });
}

async function start() {
  const maplibregl = await import(config.library);
  maplibregl.setWorkerUrl(new URL(config.worker, window.location.href).href);
  const kpi = document.querySelector("input[name=kpi]:checked").value;
  showLegend(kpi);
  const {makeMap, fitToFeatures} = await import(config.basemapModule);
  const map = await makeMap(maplibregl, container, config.basemap,
                            {onNoWebGL: () => say(words.noWebGL)});
  window.gridportalMap = map;
  const grids = await fetchJson(config.gridNodes);
  addGridLayers(map, grids, kpi);
  if (grids.features.length) {
    fitToFeatures(maplibregl, map, grids.features, {padding: 32, maxZoom: 18});
  } else {
    say(words.noBoundaries);
  }
  if (config.tickets) {
    showHeat(map);
  }
  await showServicePoints(maplibregl, map);
  wireControls(maplibregl, map);
  wireLocate(maplibregl, map);
  const loading = [];
  if (config.buildings) {
    loading.push(showBuildings(map));
  }
  if (config.tickets) {
    loading.push(showTickets(maplibregl, map));
  }
  await Promise.all(loading);
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
