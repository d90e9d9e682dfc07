// The boundary editor: a grid's own boundary drawn and edited with Terra Draw on a MapLibre map,
// over its parent's and its neighbours' boundaries (read only) and the configured basemap.
// Saving sends the shape to PUT /api/v1/grid-nodes/{id}/boundary/, which checks it; its field
// errors are shown and the drawing is kept. Everything comes from #draw-config (json_script).
// The map and the drawing are kept on window.gridportalDraw.

const config = JSON.parse(document.getElementById("draw-config").textContent);
const words = config.words;
const container = document.getElementById("draw-map");
const errorLine = document.getElementById("draw-error");
const successLine = document.getElementById("draw-success");
// Terra Draw keeps coordinates to 9 decimals (about a millimetre) and refuses more.
const PRECISION = 9;

function show(line, text) {
  for (const other of [errorLine, successLine]) {
    other.classList.add("d-none");
  }
  line.textContent = text;
  line.classList.toggle("d-none", !text);
}

function polygonsOf(geometry) {
  if (!geometry) {
    return [];
  }
  return geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
}

function rounded(rings) {
  const factor = 10 ** PRECISION;
  return rings.map((ring) => ring.map(([lon, lat]) => [
    Math.round(lon * factor) / factor, Math.round(lat * factor) / factor]));
}

function fitTo(maplibregl, map, geometries) {
  const bounds = new maplibregl.LngLatBounds();
  for (const geometry of geometries) {
    for (const polygon of polygonsOf(geometry)) {
      polygon.flat().forEach((position) => bounds.extend(position));
    }
  }
  if (!bounds.isEmpty()) {
    map.fitBounds(bounds, {padding: 32, animate: false, maxZoom: 18});
  }
}

function addContext(map) {
  map.addSource("context", {type: "geojson", data: config.context});
  map.addLayer({id: "sibling-fill", type: "fill", source: "context",
                filter: ["==", ["get", "role"], "sibling"],
                paint: {"fill-color": "#adb5bd", "fill-opacity": 0.45}});
  map.addLayer({id: "sibling-line", type: "line", source: "context",
                filter: ["==", ["get", "role"], "sibling"],
                paint: {"line-color": "#6c757d", "line-width": 1.2}});
  map.addLayer({id: "parent-line", type: "line", source: "context",
                filter: ["==", ["get", "role"], "parent"],
                paint: {"line-color": "#1f3b57", "line-width": 2, "line-dasharray": [2, 2]}});
}

function startDrawing(map) {
  const {TerraDraw, TerraDrawPolygonMode, TerraDrawSelectMode, TerraDrawRenderMode} =
    window.terraDraw;
  const {TerraDrawMapLibreGLAdapter} = window.terraDrawMaplibreGlAdapter;
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({map, coordinatePrecision: PRECISION}),
    modes: [
      new TerraDrawPolygonMode(),
      new TerraDrawSelectMode({flags: {polygon: {feature: {draggable: true, coordinates: {
        draggable: true, midpoints: true, deletable: true}}}}}),
      new TerraDrawRenderMode({modeName: "view", styles: {}}),
    ],
  });
  draw.start();
  const shapes = polygonsOf(config.node.boundary).map((rings) => ({
    type: "Feature", geometry: {type: "Polygon", coordinates: rounded(rings)},
    properties: {mode: "polygon"}}));
  const refused = draw.addFeatures(shapes).filter((result) => !result.valid);
  if (refused.length) {
    // Kept out of the drawing: say so, rather than let a save drop part of the boundary unseen.
    show(errorLine, `${words.notLoaded} (${refused.map((r) => r.reason).join("; ")})`);
  }
  draw.setMode(config.mayEdit ? "select" : "view");
  return draw;
}

function drawnBoundary(draw) {
  const polygons = draw.getSnapshot()
    .filter((feature) => feature.geometry.type === "Polygon"
            && !feature.properties.currentlyDrawing)
    .map((feature) => feature.geometry.coordinates);
  if (!polygons.length) {
    return null;
  }
  return polygons.length === 1 ? {type: "Polygon", coordinates: polygons[0]}
    : {type: "MultiPolygon", coordinates: polygons};
}

function messagesOf(answer) {
  // DRF's errors: {"boundary": ["..."]}, {"non_field_errors": [...]} or {"detail": "..."}.
  if (!answer || typeof answer !== "object") {
    return [];
  }
  return Object.values(answer).flatMap((value) => (Array.isArray(value) ? value : [value]))
    .filter((value) => typeof value === "string");
}

async function sendBoundary(boundary) {
  const token = document.querySelector("#draw-toolbar input[name=csrfmiddlewaretoken]").value;
  let response;
  try {
    response = await fetch(config.save, {
      method: "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": token},
      body: JSON.stringify({boundary}),
    });
  } catch (error) {
    show(errorLine, words.saveFailed);
    throw error;
  }
  if (response.ok) {
    return true;
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  const messages = messagesOf(answer);
  show(errorLine, messages.length ? messages.join(" ") : words.saveFailed);
  return false;
}

function wireToolbar(draw) {
  const button = (action) => document.querySelector(`[data-draw-action="${action}"]`);
  const confirmClear = button("confirm-clear");
  const actions = {
    draw: () => draw.setMode("polygon"),
    edit: () => draw.setMode("select"),
    delete: () => {
      const selected = draw.getSnapshot().filter((feature) => feature.properties.selected);
      draw.setMode("select");
      draw.removeFeatures(selected.map((feature) => feature.id));
    },
    save: async () => {
      const boundary = drawnBoundary(draw);
      if (!boundary) {
        show(errorLine, words.nothingDrawn);
        return;
      }
      if (await sendBoundary(boundary)) {
        show(successLine, words.saved);
      }
    },
    clear: () => confirmClear.classList.remove("d-none"),
    "confirm-clear": async () => {
      confirmClear.classList.add("d-none");
      if (await sendBoundary(null)) {
        draw.clear();
        show(successLine, words.cleared);
      }
    },
  };
  document.querySelectorAll("[data-draw-action]").forEach((element) => {
    element.addEventListener("click", () => {
      const action = element.dataset.drawAction;
      if (action !== "confirm-clear") {
        confirmClear.classList.add("d-none");
      }
      actions[action]();
    });
  });
  // A shape closed: go on to edit it (another click on the map then starts nothing new).
  draw.on("finish", (id, context) => {
    if (context.mode === "polygon" && context.action === "draw") {
      draw.setMode("select");
    }
  });
}

async function start() {
  const maplibregl = await import(config.library);
  maplibregl.setWorkerUrl(new URL(config.worker, window.location.href).href);
  const {makeMap} = await import(config.basemapModule);
  // A double tap closes a drawn shape here, so it must not zoom the map as well.
  const map = await makeMap(maplibregl, container, config.basemap,
                            {onNoWebGL: () => show(errorLine, words.noWebGL),
                             doubleClickZoom: false});
  addContext(map);
  const own = config.node.boundary;
  fitTo(maplibregl, map, own ? [own] : config.context.features.map((f) => f.geometry));
  const draw = startDrawing(map);
  window.gridportalDraw = {map, draw};
  if (config.mayEdit) {
    wireToolbar(draw);
  }
  container.dataset.state = "ready";
}

let leaving = false;
window.addEventListener("pagehide", () => { leaving = true; });

start().catch((error) => {
  if (leaving) {
    return;
  }
  if (errorLine.classList.contains("d-none")) {
    show(errorLine, words.loadFailed);
  }
  container.dataset.state = "failed";
  console.error(error);
});
