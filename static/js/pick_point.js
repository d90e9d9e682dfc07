// The small map on the public report page: tap (or "use my location") to pick the place of the
// problem. It fills the form's hidden latitude and longitude (WGS-84) and chooses, in the list,
// the lowest grid whose outline holds the point. Without it the form works as before: the list
// stays. The only data it loads are the reportable places' outlines (id and depth, no names).

const config = JSON.parse(document.getElementById("pick-config").textContent);
const words = config.words;
const shell = document.getElementById("pick-shell");
const container = document.getElementById("pick-map");
const statusLine = document.getElementById("pick-status");
const hereButton = document.getElementById("pick-here");
const clearButton = document.getElementById("pick-clear");
const latitude = document.getElementById("id_latitude");
const longitude = document.getElementById("id_longitude");
const placeList = document.getElementById("id_node");

function say(text) {
  statusLine.textContent = text || "";
}

function chooseInList(map, lngLat) {
  // The deepest outline under the point names the grid; the list shows its name.
  const found = map.queryRenderedFeatures(map.project(lngLat), {layers: ["pick-fill"]});
  const deepest = found.sort((a, b) => b.properties.depth - a.properties.depth)[0];
  if (deepest && placeList?.querySelector(`option[value="${deepest.properties.id}"]`)) {
    placeList.value = String(deepest.properties.id);
  }
}

async function start() {
  const maplibregl = await import(config.library);
  maplibregl.setWorkerUrl(new URL(config.worker, window.location.href).href);
  const {fitToFeatures} = await import(config.basemapModule);
  shell.classList.remove("d-none");
  let map;
  try {
    map = new maplibregl.Map({
      container,
      style: {version: 8, sources: {},
              layers: [{id: "background", type: "background",
                        paint: {"background-color": "#eef1f4"}}]},
      center: [102.71, 25.04],
      zoom: 12,
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
    });
  } catch (error) {
    say(words.noWebGL);
    throw error;
  }
  window.gridportalPickMap = map;
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), "top-right");
  await map.once("load");
  const response = await fetch(config.outlines);
  if (!response.ok) {
    throw new Error(`${config.outlines} answered ${response.status}`);
  }
  const outlines = await response.json();
  map.addSource("outlines", {type: "geojson", data: outlines});
  map.addLayer({id: "pick-fill", type: "fill", source: "outlines",
                paint: {"fill-color": "#1f3b57", "fill-opacity": 0.04}});
  map.addLayer({id: "pick-line", type: "line", source: "outlines",
                paint: {"line-color": "#1f3b57", "line-width": 1.2}});
  if (outlines.features.length) {
    fitToFeatures(maplibregl, map, outlines.features, {padding: 16, maxZoom: 17});
  }
  const marker = new maplibregl.Marker({color: "#d9480f"});
  const place = (lngLat) => {
    marker.setLngLat(lngLat).addTo(map);
    latitude.value = lngLat.lat.toFixed(6);
    longitude.value = lngLat.lng.toFixed(6);
    chooseInList(map, lngLat);
    clearButton.classList.remove("d-none");
    say(words.picked);
  };
  map.on("click", (event) => place(event.lngLat));
  clearButton.addEventListener("click", () => {
    marker.remove();
    latitude.value = "";
    longitude.value = "";
    clearButton.classList.add("d-none");
    say("");
  });
  if (navigator.geolocation) {
    hereButton.classList.remove("d-none");
    hereButton.addEventListener("click", () => {
      say(words.locating);
      navigator.geolocation.getCurrentPosition((position) => {
        const lngLat = new maplibregl.LngLat(position.coords.longitude,
                                             position.coords.latitude);
        map.jumpTo({center: lngLat, zoom: Math.max(map.getZoom(), 15)});
        map.once("idle", () => place(lngLat));
      }, () => say(words.noLocation), {enableHighAccuracy: true, timeout: 15000});
    });
  }
  // A point kept from a form sent back with errors is shown again.
  if (latitude.value && longitude.value) {
    place(new maplibregl.LngLat(Number(longitude.value), Number(latitude.value)));
  }
  container.dataset.state = "ready";
}

// Leaving the page cancels what is still loading: that is no failure to report.
let leaving = false;
window.addEventListener("pagehide", () => { leaving = true; });

start().catch((error) => {
  container.dataset.state = "failed";
  if (leaving || error.name === "AbortError") {
    return;
  }
  // The list stays: the map is only a help to pick the place.
  container.classList.add("d-none");
  hereButton.classList.add("d-none");
  if (!statusLine.textContent) {
    say(words.noWebGL);
  }
  console.error(error);
});
